import GatehouseConfig
import GatehouseSAML
import GatehouseXML

extension GatehouseApplication {
    /// What validating tenant `tenantID`'s responses needs, from the configuration in force and the
    /// IdP metadata loaded now; nil when the tenant is unknown or has no usable metadata (sign-in
    /// then fails closed).
    public func samlContext(forTenant tenantID: String) -> SAMLTenantContext? {
        let current = reloader.configuration
        guard let tenant = current.tenants.first(where: { $0.id == tenantID }), let provider = identityProviders.provider(for: tenantID) else {
            return nil
        }
        let sp = ServiceProviderMetadata(
            publicOrigin: current.publicURL.origin, ssoPrefix: current.ssoPrefix, tenantID: tenantID, certificatesPEM: []
        )
        return SAMLTenantContext(
            tenantID: tenantID, idpEntityID: provider.metadata.entityID, spEntityID: sp.entityID, acsURL: sp.acsURL, keys: provider.keys,
            decryptionKeys: decryptionKeys, signaturePolicy: XMLSignaturePolicy(insecureAllowSHA1: tenant.insecureAllowSHA1),
            allowIdPInitiated: tenant.allowIdPInitiated, clockSkew: current.saml.clockSkew, idAttribute: tenant.idAttribute,
            emailAttribute: tenant.emailAttribute
        )
    }
}
