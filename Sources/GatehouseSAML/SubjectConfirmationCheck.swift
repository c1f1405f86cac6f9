import Foundation
import GatehouseBasics

/// A bearer SubjectConfirmation addressed to this ACS, not expired, answering a request of this
/// browser (or none, where the tenant allows IdP-initiated sign-in). A Response-level
/// InResponseTo is held to the same rule: IdP-initiated support never disables it.
enum SubjectConfirmationCheck {
    static let bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

    /// Returns the request id answered, if any.
    static func check(_ located: SignedAssertion, context: SAMLTenantContext, pendingRequestIDs: Set<String>, now: Date)
        throws(SAMLValidationError) -> String?
    {
        guard let subject = located.assertion.children(named: "Subject", namespace: SAMLNamespace.assertion).first else {
            throw SAMLValidationError(.missingNameID, context: "no Subject")
        }
        let confirmations = subject.children(named: "SubjectConfirmation", namespace: SAMLNamespace.assertion)
            .filter { $0.attribute("Method") == bearer }
        guard confirmations.count == 1, let confirmation = confirmations.first,
            let data = confirmation.children(named: "SubjectConfirmationData", namespace: SAMLNamespace.assertion).first
        else {
            throw SAMLValidationError(.subjectConfirmation, context: "\(confirmations.count) bearer confirmations")
        }
        guard data.attribute("Recipient") == context.acsURL else {
            throw SAMLValidationError(.recipient, context: "Recipient is not \(context.acsURL)")
        }
        let notOnOrAfter = try SAMLTime.required("SubjectConfirmationData", "NotOnOrAfter", data.attribute("NotOnOrAfter"))
        guard now < notOnOrAfter.addingTimeInterval(context.clockSkew.timeInterval) else {
            throw SAMLValidationError(.subjectExpired, context: "confirmation expired")
        }
        let answered = data.attribute("InResponseTo")
        for inResponseTo in [answered, located.response.attribute("InResponseTo")] {
            if let inResponseTo, !pendingRequestIDs.contains(inResponseTo) {
                throw SAMLValidationError(.inResponseTo, context: "no pending request matches")
            }
        }
        if answered == nil && located.response.attribute("InResponseTo") == nil && !context.allowIdPInitiated {
            throw SAMLValidationError(.unsolicited, context: "tenant \(context.tenantID) does not allow IdP-initiated sign-in")
        }
        return answered ?? located.response.attribute("InResponseTo")
    }
}
