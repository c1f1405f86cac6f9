/// The Assertion's Issuer (required) and the Response's (when present) are the tenant's IdP.
enum IssuerCheck {
    static func check(_ located: SignedAssertion, context: SAMLTenantContext) throws(SAMLValidationError) {
        let assertionIssuer = located.assertion.children(named: "Issuer", namespace: SAMLNamespace.assertion).first?.text
        guard assertionIssuer == context.idpEntityID else {
            throw SAMLValidationError(.issuer, context: "assertion issuer \(assertionIssuer ?? "missing")")
        }
        if let responseIssuer = located.response.children(named: "Issuer", namespace: SAMLNamespace.assertion).first?.text,
            responseIssuer != context.idpEntityID
        {
            throw SAMLValidationError(.issuer, context: "response issuer \(responseIssuer)")
        }
    }
}
