import Foundation
import GatehouseProxy
import GatehouseSessions
import GatehouseStore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sessions for the proxy's hot path: a cookie seen in the last few seconds is answered from
/// memory (no MAC, hash or store work: only an exact, previously verified cookie value hits);
/// otherwise the MAC is checked and the store is asked for the session and its user, so a
/// revocation, deactivation or role change anywhere reaches every request within
/// `recheckInterval`, and at once in this process through `forget(userID:)`.
final class StoreSessionResolver: SessionResolver {
    private struct Entry {
        let identity: ProxyIdentity
        let tokenExpiresAt: Date
        let expiresAt: Date
        let idleUntil: Date
        let checkedAt: Date
    }

    private struct Cache {
        var entries: [String: Entry] = [:]
        /// Counts `forget`s. A look-up that began before its user or its cookie was forgotten must
        /// not write its answer back, or a deactivation landing mid-look-up would be undone by
        /// the old answer. Per user and per cookie, so that forgetting one person (a logout, an
        /// Okta bulk push) never holds up anybody else's look-ups.
        var clock: UInt64 = 0
        var forgottenUsers: [String: UInt64] = [:]
        var forgottenCookies: [String: UInt64] = [:]
        /// How many look-ups started at each clock value are in flight: stamps no newer than the
        /// oldest of them cannot overtake any, and are dropped.
        var inFlight: [UInt64: Int] = [:]

        mutating func begin() -> UInt64 {
            inFlight[clock, default: 0] += 1
            return clock
        }

        mutating func end(_ start: UInt64) {
            if let count = inFlight[start], count > 1 { inFlight[start] = count - 1 } else { inFlight[start] = nil }
            guard forgottenUsers.count + forgottenCookies.count > 256 else { return }
            let oldest = inFlight.keys.min() ?? clock
            forgottenUsers = forgottenUsers.filter { $0.value > oldest }
            forgottenCookies = forgottenCookies.filter { $0.value > oldest }
        }

        func isOvertaken(since start: UInt64, userID: String, cookie: String) -> Bool {
            (forgottenUsers[userID] ?? 0) > start || (forgottenCookies[cookie] ?? 0) > start
        }
    }

    private let cache = NIOLockedValueBox(Cache())
    /// Called between the store reads and the cache write of a look-up (tests open the race here).
    let afterStoreRead: (@Sendable () async -> Void)?
    /// Look-ups raced by a `forget` are retried this often, then answered "no session".
    static let maximumLookUpAttempts = 3
    private let store: any ServerStore
    private let secrets: SessionSecretsProvider
    private let lifetime: SessionLifetime
    private let now: @Sendable () -> Date
    private let tokens: IdentityTokenProvider
    static let recheckInterval: TimeInterval = 5
    /// last_seen_at is written at most this often per session (idle timeout precision).
    static let touchInterval: TimeInterval = 60
    static let maximumEntries = 100_000

    init(
        store: any ServerStore, secrets: SessionSecretsProvider, tokens: IdentityTokenProvider, lifetime: SessionLifetime,
        now: @escaping @Sendable () -> Date,
        afterStoreRead: (@Sendable () async -> Void)? = nil
    ) {
        self.afterStoreRead = afterStoreRead
        self.store = store
        self.tokens = tokens
        self.secrets = secrets
        self.lifetime = lifetime
        self.now = now
    }

    func cachedIdentity(forCookie value: Substring) -> ProxyIdentity? {
        let key = String(value)
        let moment = now()
        guard let entry = cache.withLockedValue({ $0.entries[key] }), moment.timeIntervalSince(entry.checkedAt) < Self.recheckInterval,
            moment < entry.expiresAt, moment < entry.idleUntil
        else { return nil }
        return entry.identity
    }

    func identity(forCookie value: Substring, on eventLoop: EventLoop) -> EventLoopFuture<ProxyIdentity?> {
        if let identity = cachedIdentity(forCookie: value) { return eventLoop.makeSucceededFuture(identity) }
        let key = String(value)
        let moment = now()
        let promise = eventLoop.makePromise(of: ProxyIdentity?.self)
        promise.completeWithTask { try await self.lookUpUntilSettled(key, at: moment) }
        return promise.futureResult
    }

    /// The same answer for Gatehouse's own routes (forward-auth, userinfo, logout).
    func identity(forCookie value: Substring) async -> ProxyIdentity? {
        (try? await identity(forCookie: value, on: MultiThreadedEventLoopGroup.singleton.any()).get()) ?? nil
    }

    /// Drops every cached session of a user (deactivation, role change, logout everywhere).
    func forget(userID: String) {
        cache.withLockedValue { cache in
            cache.clock &+= 1
            cache.forgottenUsers[userID] = cache.clock
            cache.entries = cache.entries.filter { $0.value.identity.userID != userID }
        }
    }

    /// Drops one cookie's cached session (logout).
    func forget(cookie value: Substring) {
        cache.withLockedValue { cache in
            cache.clock &+= 1
            cache.forgottenCookies[String(value)] = cache.clock
            cache.entries.removeValue(forKey: String(value))
        }
    }

    /// A look-up that a `forget` overtook is done again (its answer may be from before a
    /// deactivation); one overtaken every time fails closed.
    private func lookUpUntilSettled(_ key: String, at moment: Date) async throws -> ProxyIdentity? {
        for _ in 0..<Self.maximumLookUpAttempts {
            if case .settled(let identity) = try await lookUp(key, at: moment) { return identity }
        }
        return nil
    }

    private enum LookUpOutcome {
        case settled(ProxyIdentity?)
        /// A `forget` came while the store was being read: the answer was not cached.
        case overtaken
    }

    private func lookUp(_ key: String, at moment: Date) async throws -> LookUpOutcome {
        let start = cache.withLockedValue { $0.begin() }
        defer { cache.withLockedValue { $0.end(start) } }
        let keys = try await secrets.secrets()
        guard let cookie = SessionCookie.verify(Substring(key), secret: keys.sessionCookie),
            let session = try await store.session(idHash: cookie.storeKey), lifetime.isLive(session, at: moment),
            let user = try await store.user(id: session.userID), user.active, user.tenantID == session.tenantID
        else {
            cache.withLockedValue { _ = $0.entries.removeValue(forKey: key) }
            return .settled(nil)
        }
        var lastSeen = session.lastSeenAt
        if moment.timeIntervalSince(lastSeen) >= Self.touchInterval {
            try await store.touchSession(idHash: session.idHash, at: moment)
            lastSeen = moment
        }
        // The JWT is re-signed only when less than 40 s of its 60 are left: one ES256 signature per
        // person per ~20 s, never one per request.
        let cached = cache.withLockedValue { $0.entries[key] }
        let token: String
        let tokenExpiresAt: Date
        if let cached, let existing = cached.identity.token, cached.identity.role == user.role, cached.identity.email == user.email,
            cached.tokenExpiresAt.timeIntervalSince(moment) > 40
        {
            token = existing
            tokenExpiresAt = cached.tokenExpiresAt
        } else {
            token = try await tokens.tokenIssuer().token(userID: user.id, email: user.email, role: user.role, tenantID: user.tenantID, now: moment)
            tokenExpiresAt = moment.addingTimeInterval(IdentityTokenIssuer.lifetime)
        }
        let identity = ProxyIdentity(userID: user.id, email: user.email, role: user.role, tenantID: user.tenantID, token: token)
        let entry = Entry(
            identity: identity, tokenExpiresAt: tokenExpiresAt, expiresAt: session.expiresAt, idleUntil: lastSeen.addingTimeInterval(lifetime.idle),
            checkedAt: moment)
        await afterStoreRead?()
        let stored = cache.withLockedValue { cache in
            guard !cache.isOvertaken(since: start, userID: user.id, cookie: key) else { return false }
            if cache.entries.count >= Self.maximumEntries {
                cache.entries = cache.entries.filter { moment.timeIntervalSince($0.value.checkedAt) < Self.recheckInterval }
            }
            cache.entries[key] = entry
            return true
        }
        return stored ? .settled(identity) : .overtaken
    }
}
