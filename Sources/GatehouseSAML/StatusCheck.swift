/// The top-level StatusCode is Success.
enum StatusCheck {
    static let success = "urn:oasis:names:tc:SAML:2.0:status:Success"

    static func check(_ located: SignedAssertion) throws(SAMLValidationError) {
        let code = located.response.children(named: "Status", namespace: SAMLNamespace.samlProtocol).first?
            .children(named: "StatusCode", namespace: SAMLNamespace.samlProtocol).first?.attribute("Value")
        guard code == success else { throw SAMLValidationError(.status, context: "status \(code ?? "missing")") }
    }
}
