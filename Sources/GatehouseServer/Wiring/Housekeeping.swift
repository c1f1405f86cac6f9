import Foundation
import GatehouseStore
import Logging
import ServiceLifecycle
import Synchronization

/// Scheduled clean-up of what expires in the store: sessions past their end or idle timeout,
/// replay-cache entries past their assertion's expiry, and cached IdP metadata of tenants no
/// longer configured. One replica at a time does it (`runExclusively`); the others skip a turn.
struct Housekeeping: Service {
    struct Settings: Sendable {
        var interval: Duration
        var sessionIdle: TimeInterval
        /// Metadata copies of removed tenants are kept this long (a tenant removed by mistake and
        /// put back starts with its last good copy).
        var metadataRetention: TimeInterval = 30 * 24 * 3600
        var configuredTenants: @Sendable () -> [String]
    }

    /// What one turn removed.
    struct Outcome: Sendable, Equatable {
        var sessions = 0
        var assertionIDs = 0
        var metadataCopies = 0
    }

    let store: any ServerStore
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Date

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if let outcome = try await runOnce() {
                        logger.info(
                            "store.housekeeping",
                            metadata: [
                                "sessions": "\(outcome.sessions)", "assertion_ids": "\(outcome.assertionIDs)",
                                "metadata_copies": "\(outcome.metadataCopies)",
                            ])
                    }
                } catch {
                    logger.warning("store.housekeeping_failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: settings.interval)
            }
        }
    }

    /// One turn; nil when another replica is doing it now.
    func runOnce() async throws -> Outcome? {
        let moment = now()
        let keep = Set(settings.configuredTenants().map(IdPMetadataService.storeKey))
        let result = OutcomeBox()
        let ran = try await store.runExclusively("housekeeping") { [store, settings] in
            var outcome = Outcome()
            outcome.sessions = try await store.purgeSessions(now: moment, idleBefore: moment.addingTimeInterval(-settings.sessionIdle))
            outcome.assertionIDs = try await store.purgeExpiredAssertionIDs(now: moment)
            outcome.metadataCopies = try await store.purgeSettings(
                prefix: IdPMetadataService.storeKeyPrefix, keeping: keep, updatedBefore: moment.addingTimeInterval(-settings.metadataRetention))
            result.set(outcome)
        }
        return ran ? result.get() : nil
    }

    private final class OutcomeBox: Sendable {
        private let value = Mutex(Outcome())
        func set(_ outcome: Outcome) { value.withLock { $0 = outcome } }
        func get() -> Outcome { value.withLock { $0 } }
    }
}
