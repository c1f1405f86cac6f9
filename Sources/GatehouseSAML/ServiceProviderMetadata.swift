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
        var writer = XMLWriter(declaration: true)
        writer.element("md:EntityDescriptor", [("xmlns:md", SAMLNamespace.metadata), ("entityID", entityID)]) { entity in
            entity.element(
                "md:SPSSODescriptor",
                [
                    ("AuthnRequestsSigned", certificatesPEM.isEmpty ? "false" : "true"), ("WantAssertionsSigned", "true"),
                    ("protocolSupportEnumeration", SAMLNamespace.samlProtocol),
                ]
            ) { descriptor in
                for use in ["signing", "encryption"] {
                    for body in bodies { descriptor.keyDescriptor(use: use, certificateBase64: body) }
                }
                for binding in [IdPMetadata.redirectBinding, IdPMetadata.postBinding] {
                    descriptor.empty("md:SingleLogoutService", [("Binding", binding), ("Location", singleLogoutURL)])
                }
                descriptor.element("md:NameIDFormat", text: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
                descriptor.element("md:NameIDFormat", text: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
                descriptor.empty(
                    "md:AssertionConsumerService",
                    [("Binding", IdPMetadata.postBinding), ("Location", acsURL), ("index", "0"), ("isDefault", "true")])
            }
        }
        return writer.xml
    }

    /// The base64 between a PEM certificate's armour lines.
    public static func base64Body(_ pem: String) -> String {
        pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
    }
}

extension XMLWriter {
    /// A metadata `KeyDescriptor` publishing one certificate (its base64 body) for `use`.
    public mutating func keyDescriptor(use: String, certificateBase64: String) {
        element("md:KeyDescriptor", [("use", use)]) { descriptor in
            descriptor.element("ds:KeyInfo", [("xmlns:ds", SAMLNamespace.dsig)]) { info in
                info.element("ds:X509Data") { data in data.element("ds:X509Certificate", text: certificateBase64) }
            }
        }
    }
}
