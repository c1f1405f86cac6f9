import Foundation
import GatehouseSessions
import JWTKit
import Testing

@Suite struct IdentityTokenIssuerTests {
    @Test func theJWKSPublishesTheCurrentAndThePreviousKey() async throws {
        let previous = IdentityTokenIssuer.newPrivateKeyPEM()
        let issuer = try await IdentityTokenIssuer(
            currentPEM: IdentityTokenIssuer.newPrivateKeyPEM(), previousPEM: previous, issuer: "https://dash.example.com",
            audience: "https://dash.example.com")
        let jwks = try #require(try JSONSerialization.jsonObject(with: Data(issuer.jwks.utf8)) as? [String: [[String: String]]])
        let keys = try #require(jwks["keys"])
        #expect(keys.count == 2)
        #expect(keys[0]["kid"] == issuer.keyID)
        #expect(keys[1]["kid"] != issuer.keyID)
        #expect(keys.allSatisfy { $0["kty"] == "EC" && $0["crv"] == "P-256" && $0["alg"] == "ES256" && $0["d"] == nil })

        // The real clock: the verifier below checks `exp` against it.
        let now = Date()
        let token = try await issuer.token(userID: "u1", email: "a@acme.com", role: "ANALYST", tenantID: "acme", now: now)
        let verifier = try await JWTKeyCollection().add(jwksJSON: issuer.jwks)
        let claims = try await verifier.verify(token, as: IdentityClaims.self, iteratingKeys: false)
        #expect(claims.sub.value == "u1")
        #expect(abs(claims.exp.value.timeIntervalSince(now.addingTimeInterval(60))) < 1)
    }

    /// `iat` and `exp` are JSON integers (whole seconds), so verifiers that read NumericDate as an
    /// integer accept them.
    @Test func iatAndExpAreWholeSeconds() async throws {
        let issuer = try await IdentityTokenIssuer(
            currentPEM: IdentityTokenIssuer.newPrivateKeyPEM(), previousPEM: nil, issuer: "https://dash.example.com",
            audience: "https://dash.example.com")
        let now = Date(timeIntervalSince1970: 1_796_294_643.521_13)
        let token = try await issuer.token(userID: "u1", email: "a@acme.com", role: "ANALYST", tenantID: "acme", now: now)
        let payload = try #require(token.split(separator: ".").dropFirst().first)
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let decoded = try #require(Data(base64Encoded: base64))
        let json = String(decoding: decoded, as: UTF8.self)
        #expect(json.contains(#""iat":1796294643"#) && !json.contains(#""iat":1796294643."#), "\(json)")
        #expect(json.contains(#""exp":1796294703"#) && !json.contains(#""exp":1796294703."#), "\(json)")
    }
}
