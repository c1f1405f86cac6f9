import Foundation

/// Reads who signed in from the verified assertion: NameID and attribute values whole.
enum AssertionIdentity {
    static func read(_ located: SignedAssertion, context: SAMLTenantContext)
        throws(SAMLValidationError) -> (
            nameID: String, email: String, idpUserID: String?, sessionIndex: String?, sessionEnd: Date?, role: String?
        )
    {
        let nameID = located.assertion.children(named: "Subject", namespace: SAMLNamespace.assertion).first?
            .children(named: "NameID", namespace: SAMLNamespace.assertion).first?.text
        guard let nameID, !nameID.isEmpty else { throw SAMLValidationError(.missingNameID) }
        let attributes = located.assertion.children(named: "AttributeStatement", namespace: SAMLNamespace.assertion)
            .flatMap { $0.children(named: "Attribute", namespace: SAMLNamespace.assertion) }
        func value(_ name: String) -> String? {
            attributes.first { $0.attribute("Name") == name }?
                .children(named: "AttributeValue", namespace: SAMLNamespace.assertion).first?.text
        }
        let authn = located.assertion.children(named: "AuthnStatement", namespace: SAMLNamespace.assertion).first
        let sessionEnd = authn?.attribute("SessionNotOnOrAfter").flatMap(SAMLTime.parse)
        return (
            nameID, value(context.emailAttribute) ?? nameID, value(context.idAttribute), authn?.attribute("SessionIndex"), sessionEnd,
            context.roleAttribute.flatMap(value)
        )
    }
}
