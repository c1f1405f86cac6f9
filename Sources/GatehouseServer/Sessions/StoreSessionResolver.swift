import Foundation
import GatehouseProxy
import GatehouseSessions
import NIOCore
import NIOPosix

/// Sessions for the proxy's hot path: a cookie seen in the last few seconds is answered from
/// memory (no MAC, hash or store work: only an exact, previously verified cookie value hits);
/// otherwise the MAC is checked and the store is asked for the session and its user, so a
/// revocation, deactivation or role change anywhere reaches every request within
/// `recheckInterval`, and at once in this process through `forget(userID:)`. The cache and its
/// rules are GatehouseSessions' `SessionCache`; this is the bridge to the store and the event loop.
final class StoreSessionResolver: SessionResolver {
    private let cache = SessionCache<ProxyIdentity>(recheckInterval: StoreSessionResolver.recheckInterval, maximumEntries: maximumEntries)
    private let refresh = SessionRefreshPolicy(touchInterval: StoreSessionResolver.touchInterval)
    /// Called between the store reads and the cache write of a look-up (tests open the race here).
    let afterStoreRead: (@Sendable () async -> Void)?
    /// Look-ups raced by a `forget` are retried this often, then answered "no session" (a lost
    /// and resumed change feed overtakes every look-up in flight twice).
    static let maximumLookUpAttempts = 5
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
        now: @escaping @Sendable () -> Date, afterStoreRead: (@Sendable () async -> Void)? = nil
    ) {
        self.afterStoreRead = afterStoreRead
        self.store = store
        self.tokens = tokens
        self.secrets = secrets
        self.lifetime = lifetime
        self.now = now
        // A store shared by replicas: nothing is cached until its change feed listens.
        if store.pushesSessionChanges { cache.pause() }
    }

    func cachedIdentity(forCookie value: Substring) -> ProxyIdentity? {
        cache.identity(forKey: String(value), at: now())
    }

    func identity(forCookie value: Substring, on eventLoop: EventLoop) -> EventLoopFuture<ProxyIdentity?> {
        if let identity = cachedIdentity(forCookie: value) { return eventLoop.makeSucceededFuture(identity) }
        let key = String(value)
        let moment = now()
        let promise = eventLoop.makePromise(of: ProxyIdentity?.self)
        promise.completeWithTask { try await self.lookUpUntilSettled(key, at: moment) }
        return promise.futureResult
    }

    /// The same answer for Gatehouse's own routes (forward-auth, userinfo): nil without a valid
    /// session, and throws when the store did not answer (the caller answers 503, never "signed out").
    func identity(forCookie value: Substring) async throws -> ProxyIdentity? {
        try await identity(forCookie: value, on: MultiThreadedEventLoopGroup.singleton.any()).get()
    }

    /// Drops every cached session of a user (deactivation, role change, logout everywhere).
    func forget(userID: String) { cache.forget(userID: userID) }

    /// A change another replica made (or the feed's state): see `SessionChange`.
    func apply(_ change: SessionChange) {
        switch change {
        case .user(let id): cache.forget(userID: id)
        case .lost: cache.pause()
        case .resumed: cache.resume()
        }
    }

    /// Whether answers are cached (false while the store's change feed is down).
    var isCaching: Bool { !cache.isPaused }

    /// Drops one cookie's cached session (logout).
    func forget(cookie value: Substring) { cache.forget(key: String(value)) }

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
        let started = cache.beginLookUp()
        defer { cache.endLookUp(started) }
        let keys = try await secrets.secrets()
        guard let cookie = SessionCookie.verify(Substring(key), secret: keys.sessionCookie),
            let session = try await store.session(idHash: cookie.storeKey), lifetime.isLive(session, at: moment),
            let user = try await store.user(id: session.userID), user.active, user.tenantID == session.tenantID
        else {
            cache.remove(key: key)
            return .settled(nil)
        }
        var lastSeen = session.lastSeenAt
        if refresh.needsTouch(lastSeen: lastSeen, at: moment) {
            try await store.touchSession(idHash: session.idHash, at: moment)
            lastSeen = moment
        }
        let token: String
        let tokenExpiresAt: Date
        if let (existing, expiry) = refresh.reusableToken(cache.entry(forKey: key), role: user.role, email: user.email, at: moment) {
            (token, tokenExpiresAt) = (existing, expiry)
        } else {
            token = try await tokens.tokenIssuer().token(userID: user.id, email: user.email, role: user.role, tenantID: user.tenantID, now: moment)
            tokenExpiresAt = moment.addingTimeInterval(IdentityTokenIssuer.lifetime)
        }
        let identity = ProxyIdentity(userID: user.id, email: user.email, role: user.role, tenantID: user.tenantID, token: token)
        let entry = SessionCache.Entry(
            identity: identity, userID: user.id, role: user.role, email: user.email, token: token, tokenExpiresAt: tokenExpiresAt,
            expiresAt: session.expiresAt, idleUntil: lastSeen.addingTimeInterval(lifetime.idle), checkedAt: moment)
        await afterStoreRead?()
        return cache.store(entry, forKey: key, since: started, at: moment) ? .settled(identity) : .overtaken
    }
}
