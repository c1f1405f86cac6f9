import Foundation
import GRDB
import GatehouseSAML
import GatehouseSCIM
import GatehouseSessions
import GatehouseStore
import Synchronization

/// The embedded default store: one SQLite file in WAL mode with durable commits. It implements
/// the shared `Store` and each domain's port (directory, sessions, replay cache) with SQL only.
public final class SQLiteStore: Store, DirectoryStore, SessionStore, AssertionReplayCache, SessionChangeFeed {
    public let backendName = "sqlite"
    let pool: DatabasePool
    private let closed = Mutex(false)

    /// Opens (creating if needed) the database at `path` and applies pending migrations unless
    /// `migrate` is false (`gatehouse store status` looks without changing anything).
    public init(path: String, migrate: Bool = true) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL comes with DatabasePool; FULL makes every commit survive power loss (SCIM writes must).
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // The case folding SCIM filters use, the same in SQL as in memory.
            db.add(function: Self.foldFunction)
        }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            if migrate { try SQLiteMigrations.migrator.migrate(pool) }
        } catch {
            throw StoreError(.unavailable, context: "cannot open SQLite store at \(path): \(error)")
        }
    }

    static let foldFunction = DatabaseFunction("scim_fold", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(SCIMCaseFolding.fold)
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    public var knownMigrations: [String] { SQLiteMigrations.migrator.migrations }

    @discardableResult public func migrate() async throws -> [String] {
        let before = try await appliedMigrations()
        do {
            try SQLiteMigrations.migrator.migrate(pool)
        } catch {
            throw StoreError(.migrationFailed, context: "SQLite migration failed: \(error)")
        }
        return try await appliedMigrations().filter { !before.contains($0) }
    }

    public func setting(_ key: String) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]).map { Array($0) }
        }
    }

    public func setSetting(_ key: String, value: [UInt8]) async throws {
        try await pool.write { db in
            try db.execute(
                literal: """
                    INSERT INTO settings (key, value, updated_at) VALUES (\(key), \(Data(value)), \(Date()))
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """
            )
        }
    }

    public func setSettingIfAbsent(_ key: String, value: [UInt8]) async throws -> [UInt8] {
        try await pool.write { db in
            try db.execute(
                literal: """
                    INSERT INTO settings (key, value, updated_at) VALUES (\(key), \(Data(value)), \(Date()))
                    ON CONFLICT(key) DO NOTHING
                    """
            )
            guard let stored = try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]) else {
                throw StoreError(.unavailable, context: "setting \(key) vanished in its own transaction")
            }
            return Array(stored)
        }
    }

    public func purgeSettings(prefix: String, keeping: Set<String>, updatedBefore: Date) async throws -> Int {
        try await pool.write { db in
            let keys = try String.fetchAll(
                db, sql: "SELECT key FROM settings WHERE substr(key, 1, length(?)) = ? AND updated_at < ?",
                arguments: [prefix, prefix, updatedBefore])
            let doomed = keys.filter { !keeping.contains($0) }
            for key in doomed { try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key]) }
            return doomed.count
        }
    }

    /// One process owns an SQLite file: nobody else can be running the body.
    public func runExclusively(_ name: String, _ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await body()
        return true
    }

    /// One replica: every change is made here, and the proxy's cache is told in process.
    public var pushesSessionChanges: Bool { false }

    public func sessionChanges() -> AsyncStream<SessionChange> { AsyncStream { $0.finish() } }

    public func close() async throws {
        guard
            closed.withLock({ wasClosed in
                defer { wasClosed = true }; return !wasClosed
            })
        else { return }
        try pool.close()
    }

    /// The journal mode SQLite reports, for tests (`wal`).
    public func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}
