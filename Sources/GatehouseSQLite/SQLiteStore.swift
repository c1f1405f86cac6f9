import Foundation
import GRDB
import GatehouseSAML
import GatehouseSCIM
import GatehouseSessions
import GatehouseStore
import Synchronization

/// The embedded default store: one SQLite file in WAL mode with durable commits. It implements
/// the shared `Store` and each domain's port (directory, sessions, replay cache) with SQL only.
public final class SQLiteStore: Store, DirectoryStore, SessionStore, AssertionReplayCache {
    public let backendName = "sqlite"
    let pool: DatabasePool
    private let closed = Mutex(false)

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String) throws {
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
            try SQLiteMigrations.migrator.migrate(pool)
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
