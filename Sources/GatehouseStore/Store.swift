import Foundation
import GatehouseBasics
import ServiceLifecycle

/// What every storage backend shares, whatever the domain ports it also implements (the
/// directory's in GatehouseSCIM, sessions' in GatehouseSessions, the replay cache in
/// GatehouseSAML): its name, a liveness check, its migrations, small named settings, and closing.
///
/// A store is a lifecycle `Service`: placed early in the application's `ServiceGroup`, it is
/// closed after every service that uses it has stopped.
public protocol Store: Service {
    /// Backend name for logs and metrics (`sqlite`, `postgres`).
    var backendName: String { get }

    /// Answers when the store can serve reads and writes; throws otherwise. Drives `/readyz`.
    func ping() async throws

    /// The applied migration names, oldest first.
    func appliedMigrations() async throws -> [String]

    /// Every migration this build knows, oldest first (`gatehouse store status` lists the ones not applied).
    var knownMigrations: [String] { get }

    /// Applies the migrations not applied yet (replicas starting together do not race); returns
    /// the names applied now.
    @discardableResult func migrate() async throws -> [String]

    /// Small named values (cached IdP metadata, key material), kept across restarts.
    func setting(_ key: String) async throws -> [UInt8]?

    /// Stores or replaces a named value durably.
    func setSetting(_ key: String, value: [UInt8]) async throws

    /// Stores `value` unless `key` already has one, atomically (`INSERT … ON CONFLICT DO
    /// NOTHING`, then a read in the same transaction); returns the value in force afterwards: the
    /// one stored first, by whichever replica got there.
    func setSettingIfAbsent(_ key: String, value: [UInt8]) async throws -> [UInt8]

    /// Removes the settings whose key starts with `prefix`, is not in `keeping` and was last
    /// written before `updatedBefore` (copies of IdP metadata of tenants no longer configured).
    func purgeSettings(prefix: String, keeping: Set<String>, updatedBefore: Date) async throws -> Int

    /// Runs `body` unless another replica is running a body under the same `name` now (then
    /// returns false at once): scheduled housekeeping runs on one replica at a time.
    func runExclusively(_ name: String, _ body: @escaping @Sendable () async throws -> Void) async throws -> Bool

    /// Releases connections; the store is unusable afterwards. Closing twice does nothing.
    func close() async throws
}

extension Store {
    /// Runs until the service group shuts down gracefully (or is cancelled), then closes.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }
}

/// A store failure with a stable code; the context is for logs.
public struct StoreError: CodedError {
    public enum Code: String, ErrorCode {
        case unavailable = "store.unavailable"
        case unsupportedBackend = "store.unsupported_backend"
        case migrationFailed = "store.migration_failed"
        /// A unique key is taken (the backend's own words; the ports turn it into theirs).
        case conflict = "store.conflict"
    }

    public let code: Code
    public let context: String

    public init(_ code: Code, context: String) {
        self.code = code
        self.context = context
    }
}
