import Crypto
import Foundation
import GatehouseBasics
import JWTKit

/// The claims of `X-Gatehouse-Jwt-Assertion`: who the upstream is serving, for 60 seconds.
public struct IdentityClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var sub: SubjectClaim
    public var email: String
    public var role: String
    public var tenant: String
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs identity JWTs with ES256 (jwt-kit) and publishes the keys as a JWKS: the current key and,
/// during a rotation, the previous one, so an upstream that cached the old `kid` still verifies.
public final class IdentityTokenIssuer: Sendable {
    public static let lifetime: TimeInterval = 60
    private let keys: JWTKeyCollection
    private let kid: JWKIdentifier
    private let issuer: String
    private let audience: String
    /// `{"keys":[…]}` for `/sso/jwks.json`.
    public let jwks: String
    public var keyID: String { kid.string }

    /// - Parameters:
    ///   - currentPEM: the P-256 private key that signs.
    ///   - previousPEM: a P-256 key (private or public) still published for verification.
    public init(currentPEM: String, previousPEM: String?, issuer: String, audience: String) async throws {
        let current = try ES256PrivateKey(pem: currentPEM)
        var published = [try Self.jwk(current.publicKey)]
        if let previousPEM {
            let previous = try (try? ES256PrivateKey(pem: previousPEM).publicKey) ?? ES256PublicKey(pem: previousPEM)
            published.append(try Self.jwk(previous))
        }
        kid = JWKIdentifier(string: try Self.keyID(current.publicKey))
        keys = JWTKeyCollection()
        await keys.add(ecdsa: current, kid: kid)
        self.issuer = issuer
        self.audience = audience
        jwks = #"{"keys":["# + published.joined(separator: ",") + "]}"
    }

    /// A new P-256 private key as PEM (for a store-kept key when none is configured).
    public static func newPrivateKeyPEM() -> String { P256.Signing.PrivateKey().pemRepresentation }

    public func token(userID: String, email: String, role: String, tenantID: String, now: Date) async throws -> String {
        // Whole seconds: RFC 7519 allows a fraction, but verifiers that read NumericDate as an
        // integer (Java's, several Go and C# libraries) refuse `1796294643.52`.
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = IdentityClaims(
            iss: IssuerClaim(value: issuer), aud: AudienceClaim(value: audience), sub: SubjectClaim(value: userID), email: email, role: role,
            tenant: tenantID, iat: IssuedAtClaim(value: issuedAt), exp: ExpirationClaim(value: issuedAt.addingTimeInterval(Self.lifetime))
        )
        return try await keys.sign(claims, kid: kid)
    }

    /// The key id: the first 16 base64url characters of the SHA-256 of the public key.
    private static func keyID(_ key: ES256PublicKey) throws -> String {
        let der = try P256.Signing.PublicKey(pemRepresentation: key.pemRepresentation).derRepresentation
        return String(Base64URL.encode(Array(SHA256.hash(data: der))).prefix(16))
    }

    private static func jwk(_ key: ES256PublicKey) throws -> String {
        guard let parameters = key.parameters else { throw IdentityTokenError.unusableKey }
        return #"{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"\#(try keyID(key))","x":"\#(parameters.x)","y":"\#(parameters.y)"}"#
    }
}

public enum IdentityTokenError: Error {
    case unusableKey
}
