import Foundation
import GatehouseConfig
import GatehouseSAML

extension SPSigningKey {
    /// The key of `sp.key_file`, read once at start; nil without one.
    static func load(keyFile: String?) throws -> SPSigningKey? {
        guard let keyFile else { return nil }
        return try SPSigningKey(privateKeyPEM: String(contentsOfFile: keyFile, encoding: .utf8))
    }
}

/// Builds a tenant's SAML validation context from the configuration in force and the IdP
/// metadata loaded now.
struct SAMLContextFactory: Sendable {
    let reloader: ConfigReloader
    let registry: IdPMetadataRegistry
    let decryptionKeys: SPDecryptionKeys?

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
            decryptionKeys: decryptionKeys, signaturePolicy: SignatureAlgorithmPolicy(insecureAllowSHA1: tenant.insecureAllowSHA1),
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
