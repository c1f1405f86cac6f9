import Foundation
import GatehouseBasics
import GatehouseXML

/// A SAML message received with the HTTP-Redirect binding (an IdP's LogoutRequest or
/// LogoutResponse): the inflated XML, the RelayState, and whether a query signature verified.
public struct RedirectBindingMessage: Sendable, Equatable {
    /// `SAMLRequest` or `SAMLResponse`.
    public let parameter: String
    public let xml: [UInt8]
    public let relayState: String?
    /// True only when `Signature` verified with the IdP's keys over the octets the binding defines.
    public let signatureVerified: Bool
}

/// Decodes the HTTP-Redirect binding (SAML bindings §3.4.4): query signature first, over the
/// parameters exactly as received, then base64 and a capped raw inflate (deflate bombs).
public enum RedirectBinding {
    /// - Parameters:
    ///   - rawQuery: the query string as received, still percent-encoded.
    ///   - keys: the IdP's signing keys; when given, the message must carry a valid signature.
    public static func decode(
        rawQuery: String, keys: XMLSignatureKeys?, policy: XMLSignaturePolicy = XMLSignaturePolicy(), maximumBytes: Int = 256 * 1024
    )
        throws(SAMLValidationError) -> RedirectBindingMessage
    {
        var raw: [String: Substring] = [:]
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let name = String(pair.prefix { $0 != "=" })
            guard raw[name] == nil else { throw SAMLValidationError(.binding, context: "\(name) appears twice") }
            raw[name] = pair.dropFirst(name.count + 1)
        }
        let names = ["SAMLRequest", "SAMLResponse"].filter { raw[$0] != nil }
        guard names.count == 1, let parameter = names.first, let message = raw[parameter] else {
            throw SAMLValidationError(.binding, context: "expected exactly one of SAMLRequest and SAMLResponse")
        }
        var verified = false
        if let signature = raw["Signature"] {
            guard let keys else { throw SAMLValidationError(.binding, context: "a signed message with no keys to check it") }
            guard let sigAlg = raw["SigAlg"], let algorithm = percentDecoded(sigAlg), let signatureText = percentDecoded(signature),
                let signatureBytes = Data(base64Encoded: signatureText)
            else { throw SAMLValidationError(.binding, context: "SigAlg or Signature unreadable") }
            // The signed octets are the parameters as received, in the binding's order.
            var signed = "\(parameter)=\(message)"
            if let relay = raw["RelayState"] { signed += "&RelayState=\(relay)" }
            signed += "&SigAlg=\(sigAlg)"
            do { try keys.verifyDetached(Array(signed.utf8), signature: Array(signatureBytes), algorithm: algorithm, policy: policy) } catch {
                throw SAMLValidationError(error)
            }
            verified = true
        } else if keys != nil {
            throw SAMLValidationError(.unsigned, context: "the redirect-bound message carries no Signature")
        }
        guard let text = percentDecoded(message), let compressed = Data(base64Encoded: text.filter { !$0.isWhitespace }) else {
            throw SAMLValidationError(.binding, context: "\(parameter) is not base64")
        }
        let xml: [UInt8]
        do { xml = try RawDeflate.inflate(Array(compressed), maximumBytes: maximumBytes) } catch {
            throw error.reason == .tooLarge
                ? SAMLValidationError(.xml(.documentTooLarge), context: "inflates past \(maximumBytes) bytes")
                : SAMLValidationError(.binding, context: "\(parameter) is not raw DEFLATE")
        }
        let relayState = try raw["RelayState"].map { value throws(SAMLValidationError) in
            guard let decoded = percentDecoded(value) else { throw SAMLValidationError(.binding, context: "RelayState unreadable") }
            return decoded
        }
        return RedirectBindingMessage(parameter: parameter, xml: xml, relayState: relayState, signatureVerified: verified)
    }

    /// A Redirect-bound logout message whose query signature verified with `keys`; an unsigned
    /// one is refused (`unsigned`), a bad signature with its own code. The only way, with
    /// `PostBinding`, to a `VerifiedLogoutMessage`.
    public static func verifiedLogoutMessage(
        rawQuery: String, keys: XMLSignatureKeys, policy: XMLSignaturePolicy = XMLSignaturePolicy(), maximumBytes: Int = 256 * 1024
    ) throws(SAMLValidationError) -> VerifiedLogoutMessage {
        let message = try decode(rawQuery: rawQuery, keys: keys, policy: policy, maximumBytes: maximumBytes)
        guard message.signatureVerified else { throw SAMLValidationError(.unsigned, context: "the redirect-bound message carries no Signature") }
        return VerifiedLogoutMessage(parameter: message.parameter, xml: message.xml, relayState: message.relayState, binding: .redirect)
    }

    /// Percent-decoding; `+` stays `+` (base64 uses it, and a correct sender encodes it as %2B).
    static func percentDecoded(_ value: Substring) -> String? { PercentEncoding.decodeText(value) }
}
