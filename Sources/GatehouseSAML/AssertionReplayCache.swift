import Foundation
import Synchronization

/// Remembers assertion IDs until they expire, so a captured response cannot be posted twice.
/// The store implements this for every replica; `InMemoryAssertionReplayCache` serves one process.
public protocol AssertionReplayCache: Sendable {
    /// Records the ID; returns false when it was already recorded and has not expired by `now`
    /// (the validator's clock, so an injected clock governs expiry too).
    func remember(assertionID: String, tenantID: String, until expiry: Date, now: Date) async throws -> Bool

    /// Removes the IDs expired by `now` (scheduled housekeeping); returns how many.
    func purgeExpiredAssertionIDs(now: Date) async throws -> Int
}

/// A process-local replay cache (tests and single-replica setups).
public final class InMemoryAssertionReplayCache: AssertionReplayCache {
    private let seen = Mutex<[String: Date]>([:])

    public init() {}

    public func remember(assertionID: String, tenantID: String, until expiry: Date, now: Date) async throws -> Bool {
        let key = "\(tenantID)\u{0}\(assertionID)"
        return seen.withLock { entries in
            entries = entries.filter { $0.value > now }
            return entries.updateValue(expiry, forKey: key) == nil
        }
    }

    public func purgeExpiredAssertionIDs(now: Date) async throws -> Int {
        seen.withLock { entries in
            let before = entries.count
            entries = entries.filter { $0.value > now }
            return before - entries.count
        }
    }
}
