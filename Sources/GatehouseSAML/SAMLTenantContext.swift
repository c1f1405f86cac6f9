import GatehouseXML

/// What validating a tenant's responses needs: its IdP's identity and keys, and this SP's URLs.
public struct SAMLTenantContext: Sendable {
    public var tenantID: String
    /// The IdP's entity ID (Okta: `http://www.okta.com/exk…`); Issuer must equal it exactly.
    public var idpEntityID: String
    /// This SP's entity ID (the metadata URL): the Audience that must be present.
    public var spEntityID: String
    /// The ACS URL: Destination and Recipient must equal it exactly.
    public var acsURL: String
    public var keys: XMLSignatureKeys
    /// The SP's private keys (current and next) for EncryptedAssertion; nil refuses encrypted ones.
    public var decryptionKeys: XMLDecryptionKeys?
    public var signaturePolicy: XMLSignaturePolicy
    /// Accept responses that answer no request of ours (the Okta tile).
    public var allowIdPInitiated: Bool
    public var clockSkew: Duration
    /// Attribute names: the IdP's user id and the email address.
    public var idAttribute: String
    public var emailAttribute: String
    /// Where a tenant without SCIM sends the role (`role_attribute`); nil: roles come from the store only.
    public var roleAttribute: String?

    public init(
        tenantID: String, idpEntityID: String, spEntityID: String, acsURL: String, keys: XMLSignatureKeys,
        decryptionKeys: XMLDecryptionKeys? = nil, signaturePolicy: XMLSignaturePolicy = XMLSignaturePolicy(), allowIdPInitiated: Bool = true,
        clockSkew: Duration = .seconds(180),
        idAttribute: String = "id", emailAttribute: String = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        roleAttribute: String? = nil
    ) {
        self.tenantID = tenantID
        self.idpEntityID = idpEntityID
        self.spEntityID = spEntityID
        self.acsURL = acsURL
        self.keys = keys
        self.decryptionKeys = decryptionKeys
        self.signaturePolicy = signaturePolicy
        self.allowIdPInitiated = allowIdPInitiated
        self.clockSkew = clockSkew
        self.idAttribute = idAttribute
        self.emailAttribute = emailAttribute
        self.roleAttribute = roleAttribute
    }
}
