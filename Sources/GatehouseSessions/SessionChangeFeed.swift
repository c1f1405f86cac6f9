/// A change to sessions or their users made by any replica, as the store reports it to every
/// replica's session cache.
public enum SessionChange: Sendable, Equatable {
    /// The user's sessions, status, role or email changed: drop what is cached for them.
    case user(id: String)
    /// Changes may go unseen from now on (the notification connection is lost): drop every cached
    /// session and cache none until `resumed`.
    case lost
    /// Changes are seen again: drop what was cached before, and cache again.
    case resumed
}

/// Pushes changes made by other replicas (PostgreSQL: LISTEN/NOTIFY), so a revocation anywhere
/// reaches every replica's cache at once instead of after its recheck interval.
public protocol SessionChangeFeed: Sendable {
    /// Whether changes are pushed at all. A backend for one replica has nothing to push: its
    /// stream finishes at once and the cache never waits for it.
    var pushesSessionChanges: Bool { get }

    /// The changes from now on until the store closes. A pushing backend starts with `lost` and
    /// sends `resumed` once it listens.
    func sessionChanges() -> AsyncStream<SessionChange>
}
