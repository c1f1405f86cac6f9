import Crypto
import Foundation
import _CryptoExtras

/// Sends a SAML message with the HTTP-Redirect binding (SAML bindings §3.4.4): raw DEFLATE,
/// base64, percent-encoded, RelayState, and when a key is given SigAlg + an RSA-SHA256 Signature
/// over the query exactly as sent.
public enum RedirectBindingEncoder {
    public static let rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"

    /// - Parameter parameter: `SAMLRequest` or `SAMLResponse`.
    public static func url(
        destination: String, parameter: String, xml: String, relayState: String?, signingKey: _RSA.Signing.PrivateKey?
    ) throws -> String {
        var query = "\(parameter)=" + URLQueryEncoding.encode(Data(RawDeflate.deflate(Array(xml.utf8))).base64EncodedString())
        if let relayState { query += "&RelayState=" + URLQueryEncoding.encode(relayState) }
        if let signingKey {
            query += "&SigAlg=" + URLQueryEncoding.encode(rsaSHA256)
            let signature = try signingKey.signature(for: SHA256.hash(data: Data(query.utf8)), padding: .insecurePKCS1v1_5)
            query += "&Signature=" + URLQueryEncoding.encode(signature.rawRepresentation.base64EncodedString())
        }
        return destination + (destination.contains("?") ? "&" : "?") + query
    }
}
