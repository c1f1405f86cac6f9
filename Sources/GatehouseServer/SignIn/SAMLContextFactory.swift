import GatehouseConfig
import GatehouseSAML
import GatehouseXML
import _CryptoExtras

/// The SP key as both signers need it, read once at start: RSA for Redirect-binding query
/// signatures, xmlsec for enveloped XML signatures (HTTP-POST).
struct SPSigningKeys: Sendable {
    let redirect: _RSA.Signing.PrivateKey
    let post: XMLSigningKey

    init?(keyFile: String?) throws {
        guard let keyFile else { return nil }
        let pem = try String(contentsOfFile: keyFile, encoding: .utf8)
        redirect = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        post = try XMLSigningKey(privateKeyPEM: pem)
    }
}

/// Builds a tenant's SAML validation context from the configuration in force and the IdP
/// metadata loaded now.
struct SAMLContextFactory: Sendable {
    let reloader: ConfigReloader
    let registry: IdPMetadataRegistry
    let decryptionKeys: XMLDecryptionKeys?

    /// Nil when the tenant is unknown or has no usable metadata (sign-in then fails closed).
    /// This SP's URLs for a tenant under the configuration in force.
    func serviceProvider(forTenant tenantID: String) -> ServiceProviderMetadata {
        let current = reloader.configuration
        return ServiceProviderMetadata(publicOrigin: current.publicURL.origin, ssoPrefix: current.ssoPrefix, tenantID: tenantID, certificatesPEM: [])
    }

    func context(forTenant tenantID: String) -> SAMLTenantContext? {
        let current = reloader.configuration
        guard let tenant = current.tenants.first(where: { $0.id == tenantID }), let provider = registry.provider(for: tenantID) else {
            return nil
        }
        let sp = serviceProvider(forTenant: tenantID)
        return SAMLTenantContext(
            tenantID: tenantID, idpEntityID: provider.metadata.entityID, spEntityID: sp.entityID, acsURL: sp.acsURL, keys: provider.keys,
            decryptionKeys: decryptionKeys, signaturePolicy: XMLSignaturePolicy(insecureAllowSHA1: tenant.insecureAllowSHA1),
            allowIdPInitiated: tenant.allowIdPInitiated, clockSkew: current.saml.clockSkew, idAttribute: tenant.idAttribute,
            emailAttribute: tenant.emailAttribute, roleAttribute: tenant.roleAttribute
        )
    }
}

extension GatehouseApplication {
    /// What validating tenant `tenantID`'s responses needs; nil when the tenant is unknown or has
    /// no usable metadata.
    public func samlContext(forTenant tenantID: String) -> SAMLTenantContext? {
        contexts.context(forTenant: tenantID)
    }
}
