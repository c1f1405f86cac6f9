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

/// Checks an IdP's LogoutRequest: signed by the tenant's IdP (query signature in the Redirect
/// binding, or an enveloped XML signature on the request with HTTP-POST), Issuer, Destination,
/// NotOnOrAfter. Fails closed, with the same error codes as response validation.
public enum LogoutRequestValidator {
    /// - Parameter signatureVerified: true when the Redirect binding's query signature verified.
    public static func validate(
        xml: [UInt8], signatureVerified: Bool, context: SAMLTenantContext, sloURL: String, now: Date
    ) throws(SAMLValidationError) -> ValidatedLogoutRequest {
        let document: HardenedXMLDocument
        do { document = try HardenedXMLDocument(parsing: xml) } catch { throw SAMLValidationError(error) }
        guard let root = document.root, root.isNamed("LogoutRequest", namespace: SAMLNamespace.samlProtocol) else {
            throw SAMLValidationError(.notAResponse, context: "not a LogoutRequest")
        }
        guard let id = root.attribute("ID") else { throw SAMLValidationError(.missingID) }
        if !signatureVerified {
            guard !root.children(named: "Signature", namespace: SAMLNamespace.dsig).isEmpty else { throw SAMLValidationError(.unsigned) }
            do {
                try document.prepareIDs()
                _ = try document.verifySignature(ofElementWithID: id, keys: context.keys, policy: context.signaturePolicy)
            } catch {
                throw SAMLValidationError(error)
            }
        }
        guard root.children(named: "Issuer", namespace: SAMLNamespace.assertion).first?.text == context.idpEntityID else {
            throw SAMLValidationError(.issuer)
        }
        if let destination = root.attribute("Destination"), destination != sloURL { throw SAMLValidationError(.destination) }
        if let limit = root.attribute("NotOnOrAfter") {
            guard let end = SAMLTime.parse(limit) else { throw SAMLValidationError(.malformedTime) }
            guard now < end.addingTimeInterval(context.clockSkew.seconds) else { throw SAMLValidationError(.expired) }
        }
        guard let nameID = root.children(named: "NameID", namespace: SAMLNamespace.assertion).first?.text, !nameID.isEmpty else {
            throw SAMLValidationError(.missingNameID)
        }
        let indexes = root.children(named: "SessionIndex", namespace: SAMLNamespace.samlProtocol).map(\.text)
        return ValidatedLogoutRequest(id: id, nameID: nameID, sessionIndexes: indexes)
    }
}
