import GatehouseXML
import _CryptoExtras

/// The SP key as both signers need it, read once at start: RSA for Redirect-binding query
/// signatures, xmlsec for enveloped XML signatures (HTTP-POST).
public struct SPSigningKey: Sendable {
    public let redirect: _RSA.Signing.PrivateKey
    public let post: XMLSigningKey

    /// Reads a PEM private key (PKCS#8 or PKCS#1, RSA) for both.
    public init(privateKeyPEM pem: String) throws {
        redirect = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        post = try XMLSigningKey(privateKeyPEM: pem)
    }
}
