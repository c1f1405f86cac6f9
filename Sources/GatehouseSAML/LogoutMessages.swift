import Foundation
import GatehouseXML

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
        let instant = issueInstant.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return #"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#
            + #" ID="\#(XMLEscaping.attribute(id))" Version="2.0" IssueInstant="\#(instant)" Destination="\#(XMLEscaping.attribute(destination))">"#
            + "<saml:Issuer>\(XMLEscaping.text(spEntityID))</saml:Issuer>"
            + #"<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">\#(XMLEscaping.text(nameID))</saml:NameID>"#
            + (sessionIndex.map { "<samlp:SessionIndex>\(XMLEscaping.text($0))</samlp:SessionIndex>" } ?? "")
            + "</samlp:LogoutRequest>"
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
        let instant = issueInstant.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return #"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#
            + #" ID="\#(XMLEscaping.attribute(id))" Version="2.0" IssueInstant="\#(instant)" Destination="\#(XMLEscaping.attribute(destination))""#
            + #" InResponseTo="\#(XMLEscaping.attribute(inResponseTo))"><saml:Issuer>\#(XMLEscaping.text(spEntityID))</saml:Issuer>"#
            + #"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>"#
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
