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
}
