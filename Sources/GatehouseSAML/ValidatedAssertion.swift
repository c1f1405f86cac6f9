import Foundation

/// The outcome of every check: who signed in, according to the tenant's IdP. Only
/// `SAMLResponseValidator` creates one, so holding one proves the checks ran.
public struct ValidatedAssertion: Sendable, Equatable {
    public let tenantID: String
    public let assertionID: String
    /// NameID, read whole.
    public let nameID: String
    /// The email attribute, or the NameID when the IdP sends none.
    public let email: String
    /// The IdP's user id (Okta's `id` attribute), if sent.
    public let idpUserID: String?
    public let sessionIndex: String?
    public let sessionNotOnOrAfter: Date?
    /// The request this answers; nil for an IdP-initiated sign-in.
    public let inResponseTo: String?
    /// The role attribute's value, read only when the tenant names one (`role_attribute`).
    public let role: String?

    init(
        tenantID: String, assertionID: String, nameID: String, email: String, idpUserID: String?, sessionIndex: String?,
        sessionNotOnOrAfter: Date?, inResponseTo: String?, role: String? = nil
    ) {
        self.tenantID = tenantID
        self.assertionID = assertionID
        self.nameID = nameID
        self.email = email
        self.idpUserID = idpUserID
        self.sessionIndex = sessionIndex
        self.sessionNotOnOrAfter = sessionNotOnOrAfter
        self.inResponseTo = inResponseTo
        self.role = role
    }
}
