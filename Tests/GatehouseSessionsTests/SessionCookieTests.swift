import Crypto
import Foundation
import GatehouseBasics
import GatehouseSessions
import Testing

@Suite struct SessionCookieTests {
    static let secrets = SessionSecrets(secret: Array("0123456789abcdef0123456789abcdef".utf8))

    @Test func aCookieVerifiesWithItsSecretOnly() throws {
        let cookie = SessionCookie.random()
        let value = cookie.value(secret: Self.secrets.sessionCookie)
        #expect(SessionCookie.verify(Substring(value), secret: Self.secrets.sessionCookie) == cookie)
        let other = SessionSecrets(secret: Array("another secret of at least 32 bytes!".utf8))
        #expect(SessionCookie.verify(Substring(value), secret: other.sessionCookie) == nil)
        // A MAC made for the pending-sign-in cookie is not a session MAC.
        #expect(SessionCookie.verify(Substring(value), secret: Self.secrets.pendingSignIns) == nil)
    }

    @Test(arguments: ["", "abc", "abc.def", ".", "x.y.z", String(repeating: "a", count: 300)])
    func garbageIsNotASession(value: String) {
        #expect(SessionCookie.verify(Substring(value), secret: Self.secrets.sessionCookie) == nil)
    }

    @Test func aChangedIdFailsItsMAC() throws {
        let value = SessionCookie.random().value(secret: Self.secrets.sessionCookie)
        let forged = SessionCookie.random().id + value[value.firstIndex(of: ".")!...]
        #expect(SessionCookie.verify(Substring(forged), secret: Self.secrets.sessionCookie) == nil)
    }

    @Test func idsAreFreshAndTheStoreKeyIsTheirHash() {
        let first = SessionCookie.random()
        let second = SessionCookie.random()
        #expect(first != second)
        #expect(first.storeKey.count == 64)
        #expect(!first.storeKey.contains(first.id))
    }

    @Test func csrfTokensBelongToTheirNonce() {
        let nonce = CSRFToken.nonce()
        let token = CSRFToken.token(for: nonce, secret: Self.secrets.csrf)
        #expect(CSRFToken.isValid(token: token, nonce: nonce, secret: Self.secrets.csrf))
        #expect(!CSRFToken.isValid(token: token, nonce: CSRFToken.nonce(), secret: Self.secrets.csrf))
        #expect(!CSRFToken.isValid(token: nil, nonce: nonce, secret: Self.secrets.csrf))
        #expect(!CSRFToken.isValid(token: token, nonce: nil, secret: Self.secrets.csrf))
    }
}

@Suite struct ReturnPathTests {
    @Test(arguments: ["/", "/dashboard", "/reports?id=7&tab=2", "/a/b#c", "/caf%C3%A9"])
    func sameOriginPathsAreKept(path: String) {
        #expect(ReturnPath.sanitize(path) == path)
    }

    @Test(arguments: [
        "//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)", "evil.com", "/%2F%2Fevil.com", "%2F%2Fevil.com",
        "/%5Cevil.com", "/%252F%252Fevil.com", "/\t/evil.com", "/%09/evil.com", "\\\\evil.com", "", "/a\nb",
    ])
    func anythingThatCouldLeaveTheOriginIsRefused(path: String) {
        #expect(ReturnPath.sanitize(path) == nil)
    }
}

@Suite struct PendingSignInsTests {
    static let secret = SessionCookieTests.secrets.pendingSignIns
    static let now = Date(timeIntervalSince1970: 1_795_953_660)

    static func entry(_ id: String, tenant: String = "acme", expires: TimeInterval = 600) -> PendingSignIn {
        PendingSignIn(requestID: id, tenantID: tenant, returnTo: "/r/\(id)", expiresAt: now.addingTimeInterval(expires))
    }

    @Test func severalTabsAtOnceRoundTripThroughTheCookie() {
        let pending = PendingSignIns().adding(Self.entry("_a"), now: Self.now).adding(Self.entry("_b"), now: Self.now)
            .adding(Self.entry("_c", tenant: "other"), now: Self.now)
        let decoded = PendingSignIns.decode(Substring(pending.encode(secret: Self.secret)), secret: Self.secret, now: Self.now)
        #expect(decoded == pending)
        #expect(decoded.requestIDs(tenantID: "acme") == ["_a", "_b"])
        #expect(decoded.entry(requestID: "_b")?.returnTo == "/r/_b")
        #expect(decoded.removing(requestID: "_a").requestIDs(tenantID: "acme") == ["_b"])
    }

    @Test func expiredOnesAndTheOldestBeyondTheLimitAreDropped() {
        var pending = PendingSignIns().adding(Self.entry("_old", expires: 10), now: Self.now)
        for index in 0..<6 { pending = pending.adding(Self.entry("_\(index)"), now: Self.now.addingTimeInterval(20)) }
        #expect(pending.entries.map(\.requestID) == ["_1", "_2", "_3", "_4", "_5"])
        let later = PendingSignIns.decode(Substring(pending.encode(secret: Self.secret)), secret: Self.secret, now: Self.now.addingTimeInterval(601))
        #expect(later.entries.isEmpty)
    }

    @Test func aTamperedCookieCountsAsNoPendingSignIn() {
        let value = PendingSignIns().adding(Self.entry("_a"), now: Self.now).encode(secret: Self.secret)
        let forgedPayload = Base64URL.encode(Array(#"[{"requestID":"_x","tenantID":"acme","returnTo":"/","expiresAt":1e12}]"#.utf8))
        let forged = forgedPayload + value[value.firstIndex(of: ".")!...]
        #expect(PendingSignIns.decode(Substring(forged), secret: Self.secret, now: Self.now).entries.isEmpty)
        #expect(PendingSignIns.decode(nil, secret: Self.secret, now: Self.now).entries.isEmpty)
    }
}

@Suite struct SessionLifetimeTests {
    static let now = Date(timeIntervalSince1970: 1_795_953_660)
    let lifetime = SessionLifetime(idle: 8 * 3_600, absolute: 24 * 3_600)

    @Test func theAssertionsSessionNotOnOrAfterBoundsTheSession() {
        #expect(lifetime.expiry(startingAt: Self.now, sessionNotOnOrAfter: nil) == Self.now.addingTimeInterval(24 * 3_600))
        #expect(lifetime.expiry(startingAt: Self.now, sessionNotOnOrAfter: Self.now.addingTimeInterval(3_600)) == Self.now.addingTimeInterval(3_600))
    }

    @Test func idleAndAbsoluteTimeoutsEndASession() {
        let session = StoredSession(
            idHash: "h", userID: "u", tenantID: "acme", nameID: "n", sessionIndex: nil, createdAt: Self.now, lastSeenAt: Self.now,
            expiresAt: lifetime.expiry(startingAt: Self.now, sessionNotOnOrAfter: nil))
        #expect(lifetime.isLive(session, at: Self.now.addingTimeInterval(8 * 3_600 - 1)))
        #expect(!lifetime.isLive(session, at: Self.now.addingTimeInterval(8 * 3_600)))
        var active = session
        active.lastSeenAt = Self.now.addingTimeInterval(20 * 3_600)
        #expect(lifetime.isLive(active, at: Self.now.addingTimeInterval(23 * 3_600)))
        #expect(!lifetime.isLive(active, at: Self.now.addingTimeInterval(24 * 3_600)))
    }
}
