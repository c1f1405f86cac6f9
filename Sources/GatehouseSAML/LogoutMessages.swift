import Foundation

/// The SP's LogoutRequest to the IdP after a person signs out here (SP-initiated SLO).
public struct LogoutRequest: Sendable, Equatable {
    public let id: String
    public let issueInstant: Date
    public let destination: String
    public let spEntityID: String
    public let nameID: String
    public let sessionIndex: String?

    public init(destination: String, spEntityID: String, nameID: String, sessionIndex: String?, now: Date, id: String = AuthnRequest.newID()) {
        self.id = id
        issueInstant = now
        self.destination = destination
        self.spEntityID = spEntityID
        self.nameID = nameID
        self.sessionIndex = sessionIndex
    }

    public var xml: String {
        var writer = XMLWriter()
        writer.element(
            "samlp:LogoutRequest",
            [
                ("xmlns:samlp", SAMLNamespace.samlProtocol), ("xmlns:saml", SAMLNamespace.assertion), ("ID", id), ("Version", "2.0"),
                ("IssueInstant", SAMLTime.format(issueInstant)), ("Destination", destination),
            ]
        ) { request in
            request.element("saml:Issuer", text: spEntityID)
            request.element("saml:NameID", [("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")], text: nameID)
            if let sessionIndex { request.element("samlp:SessionIndex", text: sessionIndex) }
        }
        return writer.xml
    }
}

/// The SP's answer to an IdP-initiated LogoutRequest.
public struct LogoutResponse: Sendable, Equatable {
    public let id: String
    public let inResponseTo: String
    public let destination: String
    public let spEntityID: String
    public let issueInstant: Date

    public init(inResponseTo: String, destination: String, spEntityID: String, now: Date, id: String = AuthnRequest.newID()) {
        self.id = id
        self.inResponseTo = inResponseTo
        self.destination = destination
        self.spEntityID = spEntityID
        issueInstant = now
    }

    public var xml: String {
        var writer = XMLWriter()
        writer.element(
            "samlp:LogoutResponse",
            [
                ("xmlns:samlp", SAMLNamespace.samlProtocol), ("xmlns:saml", SAMLNamespace.assertion), ("ID", id), ("Version", "2.0"),
                ("IssueInstant", SAMLTime.format(issueInstant)), ("Destination", destination), ("InResponseTo", inResponseTo),
            ]
        ) { response in
            response.element("saml:Issuer", text: spEntityID)
            response.element("samlp:Status") { status in
                status.empty("samlp:StatusCode", [("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")])
            }
        }
        return writer.xml
    }
}

/// An IdP-initiated LogoutRequest whose signature verified and whose fields were checked: which
/// NameID (and sessions) of the tenant to sign out. Only `LogoutRequestValidator` makes one.
public struct ValidatedLogoutRequest: Sendable, Equatable {
    public let id: String
    public let nameID: String
    /// Empty means every session of that NameID.
    public let sessionIndexes: [String]
}
