/// The SAML 2.0 and XML-DSig namespaces.
enum SAMLNamespace {
    static let samlProtocol = "urn:oasis:names:tc:SAML:2.0:protocol"
    static let assertion = "urn:oasis:names:tc:SAML:2.0:assertion"
    static let dsig = "http://www.w3.org/2000/09/xmldsig#"
    static let metadata = "urn:oasis:names:tc:SAML:2.0:metadata"
}
