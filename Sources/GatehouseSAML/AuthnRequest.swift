import Crypto
import Foundation
import GatehouseBasics
import GatehouseXML
import _CryptoExtras

/// An SP-initiated sign-in request, sent with the HTTP-Redirect or the HTTP-POST binding.
public struct AuthnRequest: Sendable, Equatable {
    /// `_` and 32 hex digits: unpredictable, and a valid XML ID.
    public let id: String
    public let issueInstant: Date
    public let destination: String
    public let acsURL: String
    public let spEntityID: String

    public init(destination: String, acsURL: String, spEntityID: String, now: Date, id: String = AuthnRequest.newID()) {
        self.id = id
        issueInstant = now
        self.destination = destination
        self.acsURL = acsURL
        self.spEntityID = spEntityID
    }

    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "_" + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The request as XML; every value is escaped.
    public var xml: String {
        var writer = XMLWriter()
        writer.element(
            "samlp:AuthnRequest",
            [
                ("xmlns:samlp", SAMLNamespace.samlProtocol), ("xmlns:saml", SAMLNamespace.assertion), ("ID", id), ("Version", "2.0"),
                ("IssueInstant", SAMLTime.format(issueInstant)), ("Destination", destination), ("AssertionConsumerServiceURL", acsURL),
                ("ProtocolBinding", IdPMetadata.postBinding),
            ]
        ) { request in
            request.element("saml:Issuer", text: spEntityID)
            request.empty("samlp:NameIDPolicy", [("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"), ("AllowCreate", "false")])
        }
        return writer.xml
    }

    /// The URL to send the browser to: DEFLATE, base64, URL-encoded, with RelayState, and signed
    /// (RSA-SHA256 over the query, as the binding defines) when a key is given.
    public func redirectURL(relayState: String?, signingKey: _RSA.Signing.PrivateKey? = nil) throws -> String {
        try RedirectBindingEncoder.url(destination: destination, parameter: "SAMLRequest", xml: xml, relayState: relayState, signingKey: signingKey)
    }

    public static let rsaSHA256 = RedirectBindingEncoder.rsaSHA256

    /// The HTTP-POST binding's `SAMLRequest` value: the request, with an enveloped RSA-SHA256
    /// signature when a key is given, base64. The page that posts it is the server's.
    public func postBindingValue(signingKey: XMLSigningKey? = nil) throws(XMLSecurityError) -> String {
        var message = Array(xml.utf8)
        if let signingKey {
            message = try HardenedXMLDocument(parsing: message).signEnveloped(elementWithID: id, key: signingKey)
        }
        return Data(message).base64EncodedString()
    }
}

/// Percent-encoding of query values: everything but RFC 3986 unreserved characters.
enum URLQueryEncoding {
    static func encode(_ value: String) -> String { PercentEncoding.encode(value) }
}
