import Foundation
import Testing

@testable import GatehouseSessions

/// The session cache's rules with the time passed in: freshness, the session's own ends, forget
/// stamps that stop an overtaken look-up from writing back, the bound, and the refresh policy.
@Suite struct SessionCacheTests {
    static let now = Date(timeIntervalSince1970: 1_795_953_660)

    static func entry(
        _ name: String, user: String = "u1", token: String? = "jwt", tokenExpiresAt: Date = now + 60, expiresAt: Date = now + 3_600,
        idleUntil: Date = now + 1_800, checkedAt: Date = now
    ) -> SessionCache<String>.Entry {
        SessionCache<String>.Entry(
            identity: name, userID: user, role: "ANALYST", email: "a@x.com", token: token, tokenExpiresAt: tokenExpiresAt, expiresAt: expiresAt,
            idleUntil: idleUntil, checkedAt: checkedAt)
    }

    @Test func anEntryIsTrustedForTheRecheckIntervalAndNeverPastTheSessionsEnds() {
        let cache = SessionCache<String>(recheckInterval: 5)
        #expect(cache.store(Self.entry("alice"), forKey: "c1", since: cache.beginLookUp(), at: Self.now))
        #expect(cache.identity(forKey: "c1", at: Self.now + 4.9) == "alice")
        #expect(cache.identity(forKey: "c1", at: Self.now + 5) == nil)
        #expect(cache.identity(forKey: "other", at: Self.now) == nil)
        #expect(cache.store(Self.entry("idle", idleUntil: Self.now + 2), forKey: "c2", since: cache.beginLookUp(), at: Self.now))
        #expect(cache.identity(forKey: "c2", at: Self.now + 1) == "idle")
        #expect(cache.identity(forKey: "c2", at: Self.now + 2) == nil)
        #expect(cache.store(Self.entry("ended", expiresAt: Self.now + 3), forKey: "c3", since: cache.beginLookUp(), at: Self.now))
        #expect(cache.identity(forKey: "c3", at: Self.now + 3) == nil)
    }

    /// The store's change feed went down: nothing cached may be served (a change may have been
    /// missed) and nothing is kept until it is back; then what was kept before is dropped again.
    @Test func whileChangesMayGoUnseenNothingIsServedOrKept() {
        let cache = SessionCache<String>()
        #expect(cache.store(Self.entry("alice"), forKey: "c1", since: cache.beginLookUp(), at: Self.now))
        let inFlight = cache.beginLookUp()
        cache.pause()
        #expect(cache.isPaused)
        #expect(cache.identity(forKey: "c1", at: Self.now) == nil)
        // A look-up that began before the pause is overtaken; one after it answers but is not kept.
        #expect(!cache.store(Self.entry("alice"), forKey: "c1", since: inFlight, at: Self.now))
        #expect(cache.store(Self.entry("alice"), forKey: "c1", since: cache.beginLookUp(), at: Self.now))
        #expect(cache.identity(forKey: "c1", at: Self.now) == nil)
        #expect(cache.count == 0)
        let beforeResume = cache.beginLookUp()
        cache.resume()
        #expect(!cache.isPaused)
        #expect(!cache.store(Self.entry("alice"), forKey: "c1", since: beforeResume, at: Self.now))
        #expect(cache.store(Self.entry("alice"), forKey: "c1", since: cache.beginLookUp(), at: Self.now))
        #expect(cache.identity(forKey: "c1", at: Self.now) == "alice")
        cache.forgetAll()
        #expect(cache.identity(forKey: "c1", at: Self.now) == nil)
    }

    @Test func forgettingAUserOrACookieDropsTheirEntriesAtOnce() {
        let cache = SessionCache<String>()
        _ = cache.store(Self.entry("a1", user: "alice"), forKey: "c1", since: cache.beginLookUp(), at: Self.now)
        _ = cache.store(Self.entry("a2", user: "alice"), forKey: "c2", since: cache.beginLookUp(), at: Self.now)
        _ = cache.store(Self.entry("b", user: "bob"), forKey: "c3", since: cache.beginLookUp(), at: Self.now)
        cache.forget(userID: "alice")
        #expect(cache.identity(forKey: "c1", at: Self.now) == nil && cache.identity(forKey: "c2", at: Self.now) == nil)
        #expect(cache.identity(forKey: "c3", at: Self.now) == "b")
        cache.forget(key: "c3")
        #expect(cache.identity(forKey: "c3", at: Self.now) == nil)
    }

    @Test func aLookUpOvertakenByAForgetOfItsUserOrCookieDoesNotWriteBack() {
        let cache = SessionCache<String>()
        let raced = cache.beginLookUp()
        cache.forget(userID: "u1")
        #expect(!cache.store(Self.entry("stale"), forKey: "c1", since: raced, at: Self.now))
        cache.endLookUp(raced)
        #expect(cache.identity(forKey: "c1", at: Self.now) == nil)
        let byCookie = cache.beginLookUp()
        cache.forget(key: "c1")
        #expect(!cache.store(Self.entry("stale"), forKey: "c1", since: byCookie, at: Self.now))
        // Forgetting somebody else does not hold a look-up up; a look-up begun after the forget writes.
        let unrelated = cache.beginLookUp()
        cache.forget(userID: "someone-else")
        cache.forget(key: "another.cookie")
        #expect(cache.store(Self.entry("fresh"), forKey: "c2", since: unrelated, at: Self.now))
        #expect(cache.store(Self.entry("again"), forKey: "c1", since: cache.beginLookUp(), at: Self.now))
        #expect(cache.identity(forKey: "c1", at: Self.now) == "again")
    }

    @Test func forgetStampsArePrunedOnceNoLookUpCanBeOvertaken() {
        let cache = SessionCache<String>(maximumStamps: 4)
        let old = cache.beginLookUp()
        for index in 0..<10 { cache.forget(userID: "u\(index)") }
        // A look-up in flight keeps the stamps that could still overtake it.
        let other = cache.beginLookUp()
        cache.endLookUp(other)
        #expect(!cache.store(Self.entry("stale", user: "u3"), forKey: "c", since: old, at: Self.now))
        #expect(cache.stampCount == 10)
        cache.endLookUp(old)
        #expect(cache.stampCount == 0)
        let next = cache.beginLookUp()
        cache.endLookUp(next)
        #expect(cache.store(Self.entry("ok", user: "u3"), forKey: "c", since: cache.beginLookUp(), at: Self.now))
    }

    @Test func aFullCacheDropsStaleEntriesFirst() {
        let cache = SessionCache<String>(recheckInterval: 5, maximumEntries: 2)
        _ = cache.store(Self.entry("old", checkedAt: Self.now), forKey: "c1", since: cache.beginLookUp(), at: Self.now)
        _ = cache.store(Self.entry("new", checkedAt: Self.now + 10), forKey: "c2", since: cache.beginLookUp(), at: Self.now + 10)
        _ = cache.store(Self.entry("newest", checkedAt: Self.now + 10), forKey: "c3", since: cache.beginLookUp(), at: Self.now + 10)
        #expect(cache.count == 2)
        #expect(cache.entry(forKey: "c1") == nil)
        #expect(cache.identity(forKey: "c3", at: Self.now + 11) == "newest")
    }

    @Test func touchesAreThrottledAndTokensReusedOnlyWhileEnoughIsLeft() {
        let policy = SessionRefreshPolicy(touchInterval: 60, tokenRenewalMargin: 40)
        #expect(!policy.needsTouch(lastSeen: Self.now, at: Self.now + 59))
        #expect(policy.needsTouch(lastSeen: Self.now, at: Self.now + 60))
        let cached = Self.entry("a", tokenExpiresAt: Self.now + 60)
        #expect(policy.reusableToken(cached, role: "ANALYST", email: "a@x.com", at: Self.now + 19)?.0 == "jwt")
        #expect(policy.reusableToken(cached, role: "ANALYST", email: "a@x.com", at: Self.now + 20) == nil)
        #expect(policy.reusableToken(cached, role: "MANAGER", email: "a@x.com", at: Self.now) == nil)
        #expect(policy.reusableToken(cached, role: "ANALYST", email: "b@x.com", at: Self.now) == nil)
        #expect(policy.reusableToken(Self.entry("a", token: nil), role: "ANALYST", email: "a@x.com", at: Self.now) == nil)
        #expect(policy.reusableToken(nil as SessionCache<String>.Entry?, role: "ANALYST", email: "a@x.com", at: Self.now) == nil)
    }
}
