import Foundation
import GatehouseBasics

/// Conditions: now within NotBefore/NotOnOrAfter (with the clock skew), and every
/// AudienceRestriction naming this SP's entity ID exactly. Returns when the assertion expires.
enum ConditionsCheck {
    static func check(_ located: SignedAssertion, context: SAMLTenantContext, now: Date) throws(SAMLValidationError) -> Date {
        guard let conditions = located.assertion.children(named: "Conditions", namespace: SAMLNamespace.assertion).first else {
            throw SAMLValidationError(.audience, context: "no Conditions")
        }
        let skew = context.clockSkew.timeInterval
        if let notBefore = conditions.attribute("NotBefore") {
            let start = try SAMLTime.required("Conditions", "NotBefore", notBefore)
            guard now >= start.addingTimeInterval(-skew) else { throw SAMLValidationError(.notYetValid) }
        }
        let end = try SAMLTime.required("Conditions", "NotOnOrAfter", conditions.attribute("NotOnOrAfter"))
        guard now < end.addingTimeInterval(skew) else { throw SAMLValidationError(.expired) }

        let restrictions = conditions.children(named: "AudienceRestriction", namespace: SAMLNamespace.assertion)
        guard !restrictions.isEmpty else { throw SAMLValidationError(.audience, context: "no AudienceRestriction") }
        for restriction in restrictions {
            let audiences = restriction.children(named: "Audience", namespace: SAMLNamespace.assertion).map(\.text)
            guard audiences.contains(context.spEntityID) else {
                throw SAMLValidationError(.audience, context: "audience is not \(context.spEntityID)")
            }
        }
        return end.addingTimeInterval(skew)
    }
}
