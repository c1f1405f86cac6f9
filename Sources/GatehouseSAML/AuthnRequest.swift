import Crypto
import Foundation
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
        let instant = issueInstant.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return #"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#
            + #" ID="\#(XMLEscaping.attribute(id))" Version="2.0" IssueInstant="\#(instant)""#
            + #" Destination="\#(XMLEscaping.attribute(destination))" AssertionConsumerServiceURL="\#(XMLEscaping.attribute(acsURL))""#
            + #" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">"#
            + "<saml:Issuer>\(XMLEscaping.text(spEntityID))</saml:Issuer>"
            + #"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="false"/>"#
            + "</samlp:AuthnRequest>"
    }

    /// The URL to send the browser to: DEFLATE, base64, URL-encoded, with RelayState, and signed
    /// (RSA-SHA256 over the query, as the binding defines) when a key is given.
    public func redirectURL(relayState: String?, signingKey: _RSA.Signing.PrivateKey? = nil) throws -> String {
        try RedirectBindingEncoder.url(destination: destination, parameter: "SAMLRequest", xml: xml, relayState: relayState, signingKey: signingKey)
    }

    public static let rsaSHA256 = RedirectBindingEncoder.rsaSHA256

    /// The HTTP-POST binding: a page whose form posts the base64 request (with an enveloped
    /// RSA-SHA256 signature when a key is given) and the RelayState to the IdP. Every value is
    /// HTML-escaped; without JavaScript the person presses Continue.
    public func postForm(relayState: String?, signingKey: XMLSigningKey? = nil) throws(XMLSecurityError) -> String {
        var message = Array(xml.utf8)
        if let signingKey {
            message = try HardenedXMLDocument(parsing: message).signEnveloped(elementWithID: id, key: signingKey)
        }
        let relay = relayState.map { #"<input type="hidden" name="RelayState" value="\#(XMLEscaping.attribute($0))">"# } ?? ""
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in</title>            <meta name="viewport" content="width=device-width, initial-scale=1"></head>            <body onload="document.forms[0].submit()"><form method="post" action="\(XMLEscaping.attribute(destination))">            <input type="hidden" name="SAMLRequest" value="\(Data(message).base64EncodedString())">\(relay)            <noscript><p>Press Continue to go to your identity provider.</p><button type="submit">Continue</button></noscript>            </form></body></html>
            """
    }
}

/// Escaping for values written into XML.
enum XMLEscaping {
    static func text(_ value: String) -> String {
        value.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func attribute(_ value: String) -> String {
        text(value).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&apos;")
    }
}

/// Percent-encoding of query values: everything but RFC 3986 unreserved characters.
enum URLQueryEncoding {
    static func encode(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x2e, 0x5f, 0x7e: encoded.unicodeScalars.append(UnicodeScalar(byte))
            default: encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
