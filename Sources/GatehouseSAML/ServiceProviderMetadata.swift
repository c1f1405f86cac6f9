/// Gatehouse's SAML metadata for one tenant: what the customer's IdP imports (or types in).
/// The entity ID is the metadata URL itself, which Okta calls the "Audience URI".
public struct ServiceProviderMetadata: Sendable, Equatable {
    public var entityID: String
    public var acsURL: String
    public var singleLogoutURL: String
    /// The SP certificates, current first; a `next` one is published before it is used.
    public var certificatesPEM: [String]

    public init(entityID: String, acsURL: String, singleLogoutURL: String, certificatesPEM: [String]) {
        self.entityID = entityID
        self.acsURL = acsURL
        self.singleLogoutURL = singleLogoutURL
        self.certificatesPEM = certificatesPEM
    }

    /// URLs for tenant `tenantID` under `publicOrigin` + `ssoPrefix` (e.g. `https://dash.example.com` + `/sso`).
    public init(publicOrigin: String, ssoPrefix: String, tenantID: String, certificatesPEM: [String]) {
        let base = "\(publicOrigin)\(ssoPrefix)/saml/\(tenantID)"
        self.init(entityID: "\(base)/metadata", acsURL: "\(base)/acs", singleLogoutURL: "\(base)/slo", certificatesPEM: certificatesPEM)
    }

    public var xml: String {
        let bodies = certificatesPEM.map(Self.base64Body)
        let keys = ["signing", "encryption"].flatMap { use in
            bodies.map { body in
                #"<md:KeyDescriptor use="\#(use)"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>\#(body)</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
            }
        }.joined()
        let slo = XMLEscaping.attribute(singleLogoutURL)
        return #"<?xml version="1.0" encoding="UTF-8"?>"#
            + #"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="\#(XMLEscaping.attribute(entityID))">"#
            + #"<md:SPSSODescriptor AuthnRequestsSigned="\#(certificatesPEM.isEmpty ? "false" : "true")" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#
            + keys
            + #"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="\#(slo)"/>"#
            + #"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="\#(slo)"/>"#
            + "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"
            + "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>"
            + #"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="\#(XMLEscaping.attribute(acsURL))" index="0" isDefault="true"/>"#
            + "</md:SPSSODescriptor></md:EntityDescriptor>"
    }

    /// The base64 between a PEM certificate's armour lines.
    static func base64Body(_ pem: String) -> String {
        pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
    }
}
