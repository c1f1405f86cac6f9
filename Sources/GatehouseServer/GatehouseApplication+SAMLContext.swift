import GatehouseConfig
import GatehouseSAML
import GatehouseXML

/// Builds a tenant's SAML validation context from the configuration in force and the IdP
/// metadata loaded now.
struct SAMLContextFactory: Sendable {
    let reloader: ConfigReloader
    let registry: IdPMetadataRegistry
    let decryptionKeys: XMLDecryptionKeys?

    /// Nil when the tenant is unknown or has no usable metadata (sign-in then fails closed).
    func context(forTenant tenantID: String) -> SAMLTenantContext? {
        let current = reloader.configuration
        guard let tenant = current.tenants.first(where: { $0.id == tenantID }), let provider = registry.provider(for: tenantID) else {
            return nil
        }
        let sp = ServiceProviderMetadata(
            publicOrigin: current.publicURL.origin, ssoPrefix: current.ssoPrefix, tenantID: tenantID, certificatesPEM: []
        )
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
        SAMLContextFactory(reloader: reloader, registry: identityProviders, decryptionKeys: decryptionKeys).context(forTenant: tenantID)
    }
}
