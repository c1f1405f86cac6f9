import Foundation
import Synchronization

/// The bounded memory of verified session cookies that the proxy's hot path answers from, with
/// the rules that keep it honest: an entry is trusted for `recheckInterval` and never past the
/// session's absolute or idle end; `forget` drops a user's or a cookie's entries at once, and a
/// look-up that began before such a `forget` may not write its (possibly stale) answer back.
/// Pure: every time is passed in. Generic over what the caller caches per cookie.
public final class SessionCache<Identity: Sendable>: Sendable {
    public struct Entry: Sendable {
        public let identity: Identity
        public let userID: String
        public let role: String
        public let email: String
        /// The signed identity JWT and when it expires (reused while enough of it is left).
        public let token: String?
        public let tokenExpiresAt: Date
        public let expiresAt: Date
        public let idleUntil: Date
        public let checkedAt: Date

        public init(
            identity: Identity, userID: String, role: String, email: String, token: String?, tokenExpiresAt: Date, expiresAt: Date,
            idleUntil: Date, checkedAt: Date
        ) {
            self.identity = identity
            self.userID = userID
            self.role = role
            self.email = email
            self.token = token
            self.tokenExpiresAt = tokenExpiresAt
            self.expiresAt = expiresAt
            self.idleUntil = idleUntil
            self.checkedAt = checkedAt
        }
    }

    /// Where a look-up began, for `store(_:forKey:since:at:)` and `endLookUp`.
    public struct LookUp: Sendable, Equatable {
        let start: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Counts `forget`s. Per user and per cookie, so that forgetting one person (a logout, an
        /// Okta bulk push) never holds up anybody else's look-ups.
        var clock: UInt64 = 0
        var forgottenUsers: [String: UInt64] = [:]
        var forgottenCookies: [String: UInt64] = [:]
        /// How many look-ups started at each clock value are in flight: stamps no newer than the
        /// oldest of them cannot overtake any, and are dropped.
        var inFlight: [UInt64: Int] = [:]
        /// The clock at the last `forgetAll`: look-ups that began before it are overtaken.
        var forgottenAll: UInt64 = 0
        /// While changes made elsewhere may go unseen, answers are given but not kept.
        var paused = false
    }

    private let state = Mutex(State())
    /// How long an entry is trusted before the store is asked again.
    public let recheckInterval: TimeInterval
    public let maximumEntries: Int
    /// Forget stamps are pruned once there are more than this many.
    let maximumStamps: Int

    public init(recheckInterval: TimeInterval = 5, maximumEntries: Int = 100_000, maximumStamps: Int = 256) {
        self.recheckInterval = recheckInterval
        self.maximumEntries = maximumEntries
        self.maximumStamps = maximumStamps
    }

    /// The hot path: the cached identity when the entry is fresh and the session still live.
    public func identity(forKey key: String, at now: Date) -> Identity? {
        guard let entry = state.withLock({ $0.entries[key] }), now.timeIntervalSince(entry.checkedAt) < recheckInterval, now < entry.expiresAt,
            now < entry.idleUntil
        else { return nil }
        return entry.identity
    }

    /// The entry as it is (fresh or not), for reusing its token.
    public func entry(forKey key: String) -> Entry? { state.withLock { $0.entries[key] } }

    public var count: Int { state.withLock { $0.entries.count } }

    public func beginLookUp() -> LookUp {
        state.withLock { state in
            state.inFlight[state.clock, default: 0] += 1
            return LookUp(start: state.clock)
        }
    }

    public func endLookUp(_ lookUp: LookUp) {
        state.withLock { state in
            if let count = state.inFlight[lookUp.start], count > 1 {
                state.inFlight[lookUp.start] = count - 1
            } else {
                state.inFlight[lookUp.start] = nil
            }
            guard state.forgottenUsers.count + state.forgottenCookies.count > maximumStamps else { return }
            let oldest = state.inFlight.keys.min() ?? state.clock
            state.forgottenUsers = state.forgottenUsers.filter { $0.value > oldest }
            state.forgottenCookies = state.forgottenCookies.filter { $0.value > oldest }
        }
    }

    /// Writes a look-up's answer unless a `forget` of its user or cookie came after the look-up
    /// began (then false: the caller looks up again). A full cache first drops stale entries.
    public func store(_ entry: Entry, forKey key: String, since lookUp: LookUp, at now: Date) -> Bool {
        state.withLock { state in
            guard state.forgottenAll <= lookUp.start, (state.forgottenUsers[entry.userID] ?? 0) <= lookUp.start,
                (state.forgottenCookies[key] ?? 0) <= lookUp.start
            else {
                return false
            }
            // Fresh from the store, so right to answer now; not kept while changes may go unseen.
            if state.paused { return true }
            if state.entries.count >= maximumEntries {
                state.entries = state.entries.filter { now.timeIntervalSince($0.value.checkedAt) < recheckInterval }
            }
            state.entries[key] = entry
            return true
        }
    }

    /// Drops one cookie's entry (its session was found gone).
    public func remove(key: String) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }

    /// Drops every entry of a user (deactivation, role change, logout everywhere).
    public func forget(userID: String) {
        state.withLock { state in
            state.clock &+= 1
            state.forgottenUsers[userID] = state.clock
            state.entries = state.entries.filter { $0.value.userID != userID }
        }
    }

    /// Drops one cookie's entry (logout).
    public func forget(key: String) {
        state.withLock { state in
            state.clock &+= 1
            state.forgottenCookies[key] = state.clock
            state.entries.removeValue(forKey: key)
        }
    }

    /// Drops every entry; look-ups in flight are overtaken (their answers are not kept).
    public func forgetAll() { reset(paused: nil) }

    /// Changes made elsewhere may go unseen from now (the store's notifications are lost): drop
    /// everything and keep nothing until `resume`, so every request asks the store.
    public func pause() { reset(paused: true) }

    /// Changes are seen again: drop what was kept before (it may be stale) and cache again.
    public func resume() { reset(paused: false) }

    private func reset(paused: Bool?) {
        state.withLock { state in
            state.clock &+= 1
            state.forgottenAll = state.clock
            state.entries = [:]
            if let paused { state.paused = paused }
        }
    }

    public var isPaused: Bool { state.withLock { $0.paused } }

    var stampCount: Int { state.withLock { $0.forgottenUsers.count + $0.forgottenCookies.count } }
}

/// When a look-up writes: `last_seen_at` at most once per `touchInterval` (the idle timeout's
/// precision), and a new identity JWT only when the cached one has too little left or names
/// another role or email (one signature per person per ~20 s, never one per request).
public struct SessionRefreshPolicy: Sendable, Equatable {
    public var touchInterval: TimeInterval
    public var tokenRenewalMargin: TimeInterval

    public init(touchInterval: TimeInterval = 60, tokenRenewalMargin: TimeInterval = 40) {
        self.touchInterval = touchInterval
        self.tokenRenewalMargin = tokenRenewalMargin
    }

    public func needsTouch(lastSeen: Date, at now: Date) -> Bool { now.timeIntervalSince(lastSeen) >= touchInterval }

    /// The cached token when it can be reused for a user now holding `role` and `email`.
    public func reusableToken<Identity>(_ entry: SessionCache<Identity>.Entry?, role: String, email: String, at now: Date) -> (String, Date)? {
        guard let entry, let token = entry.token, entry.role == role, entry.email == email,
            entry.tokenExpiresAt.timeIntervalSince(now) > tokenRenewalMargin
        else { return nil }
        return (token, entry.tokenExpiresAt)
    }
}
