import Foundation
import Synchronization

/// Remembers assertion IDs until they expire, so a captured response cannot be posted twice.
/// The store implements this for every replica; `InMemoryAssertionReplayCache` serves one process.
public protocol AssertionReplayCache: Sendable {
    /// Records the ID; returns false when it was already recorded (a replay).
    func remember(assertionID: String, tenantID: String, until expiry: Date) async throws -> Bool
}

/// A process-local replay cache (tests and single-replica setups).
public final class InMemoryAssertionReplayCache: AssertionReplayCache {
    private let seen = Mutex<[String: Date]>([:])

    public init() {}

    public func remember(assertionID: String, tenantID: String, until expiry: Date) async throws -> Bool {
        let key = "\(tenantID)\u{0}\(assertionID)"
        let now = Date()
        return seen.withLock { entries in
            entries = entries.filter { $0.value > now }
            return entries.updateValue(expiry, forKey: key) == nil
        }
    }
}
