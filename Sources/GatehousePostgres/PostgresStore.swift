import Foundation
import GatehouseSAML
import GatehouseSCIM
import GatehouseSessions
import GatehouseStore
import Logging
import PostgresNIO
import Synchronization

/// The store for several replicas: PostgreSQL through postgres-nio's pooled `PostgresClient`,
/// implementing the shared `Store` and each domain's port with SQL only (every value bound).
/// Changes that end or alter a user's sessions are announced with NOTIFY in the same
/// transaction; `sessionChanges()` delivers them from every replica.
public final class PostgresStore: Store, DirectoryStore, SessionStore, AssertionReplayCache, SessionChangeFeed {
    public let backendName = "postgres"
    let client: PostgresClient
    let settings: PostgresConnectionSettings
    let logger: Logger
    private let running: Mutex<Task<Void, Never>?>
    private let keepingAlive: Mutex<Task<Void, Never>?>
    private let closed = Mutex(false)
    let listener: PostgresChangeListener
    /// New users arriving together share a statement and a commit.
    let userInserts = PostgresUserInserts()
    /// `userName eq` lookups arriving together share a statement.
    let userNameLookups = PostgresBatcher<UserNameLookup, StoredUser?>(
        what: "users(filter:)", maximumItems: 64, maximumRunners: 1, maximumWaiting: 4_096)

    /// The NOTIFY channel of user changes; the payload is the user id.
    static let userChannel = "gatehouse_user_changed"

    /// Connects (lazily: the first call opens the pool), and applies pending migrations unless
    /// `migrate` is false.
    public init(settings: PostgresConnectionSettings, logger: Logger = Logger(label: "gatehouse.postgres"), migrate: Bool = true) async throws {
        self.settings = settings
        self.logger = logger
        do {
            // The pool logs every failed connection attempt; the store's callers log what failed them.
            var background = logger
            background.logLevel = max(logger.logLevel, .warning)
            client = PostgresClient(configuration: try settings.clientConfiguration(applicationName: "gatehouse"), backgroundLogger: background)
            let pool = client
            let poolLogger = logger
            listener = PostgresChangeListener(
                configuration: try settings.connectionConfiguration(applicationName: "gatehouse-listen"), channel: Self.userChannel, logger: logger,
                sendHeartbeat: { token in
                    try await pool.withConnection { connection in
                        _ = try await connection.query("SELECT pg_notify(\(PostgresStore.userChannel), \(token))", logger: poolLogger).collect()
                    }
                })
        } catch {
            throw StoreError(.unavailable, context: "PostgreSQL TLS settings: \(error)")
        }
        // The pool needs its run loop before any query; the store owns it (CLI commands use the
        // store outside a service group too) and ends it in `close`.
        let client = self.client
        running = Mutex(Task { await client.run() })
        keepingAlive = Mutex(settings.connectionsKeptOpen > 0 ? Task { await Self.keepAlive(client, settings: settings, logger: logger) } : nil)
        if migrate {
            do {
                try await self.migrate()
            } catch {
                try? await close()
                throw error
            }
        }
    }

    // MARK: - Running queries

    /// Throws unless the store is open.
    func ensureOpen(_ what: String) throws {
        guard !closed.withLock({ $0 }) else { throw StoreError(.unavailable, context: "PostgreSQL \(what): the store is closed") }
    }

    /// One call with the store's deadline (or `deadline`).
    @discardableResult
    func call<T: Sendable>(_ what: String, deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresClient) async throws -> T)
        async throws -> T
    {
        try ensureOpen(what)
        let client = self.client
        return try await PostgresDeadline.run(deadline ?? settings.timeout, what) { try await body(client) }
    }

    /// One transaction with the store's deadline (or `deadline`): BEGIN, `body`, COMMIT (ROLLBACK
    /// when it throws).
    @discardableResult
    func transaction<T: Sendable>(
        _ what: String, deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await call(what, deadline: deadline) { client in
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// One statement whose rows nobody reads, on a pooled connection given back at once.
    func execute(_ what: String, _ query: PostgresQuery) async throws {
        try await call(what) { client in
            try await client.withConnection { connection in _ = try await connection.query(query, logger: self.logger).collect() }
        }
    }

    /// The rows of a query, each read into a value before the next is fetched.
    static func rows<T>(_ sequence: PostgresRowSequence, _ read: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var values: [T] = []
        for try await row in sequence { values.append(try read(row.makeRandomAccess())) }
        return values
    }

    // MARK: - Store

    public func ping() async throws {
        try await call("ping") { client in _ = try await client.query("SELECT 1", logger: self.logger).collect() }
    }

    public func setting(_ key: String) async throws -> [UInt8]? {
        try await call("setting") { client in
            let rows = try await client.query("SELECT value FROM settings WHERE key = \(key)", logger: self.logger)
            return try await Self.rows(rows) { row in Array(try row["value"].decode(Data.self)) }.first
        }
    }

    public func setSetting(_ key: String, value: [UInt8]) async throws {
        let bytes = Data(value)
        try await execute(
            "setSetting",
            """
            INSERT INTO settings (key, value, updated_at) VALUES (\(key), \(bytes), now())
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """)
    }

    public func setSettingIfAbsent(_ key: String, value: [UInt8]) async throws -> [UInt8] {
        let bytes = Data(value)
        return try await transaction("setSettingIfAbsent") { connection in
            try await connection.query(
                "INSERT INTO settings (key, value, updated_at) VALUES (\(key), \(bytes), now()) ON CONFLICT (key) DO NOTHING", logger: self.logger)
            let rows = try await connection.query("SELECT value FROM settings WHERE key = \(key)", logger: self.logger)
            guard let stored = try await Self.rows(rows, { row in Array(try row["value"].decode(Data.self)) }).first else {
                throw StoreError(.unavailable, context: "setting \(key) vanished in its own transaction")
            }
            return stored
        }
    }

    public func purgeSettings(prefix: String, keeping: Set<String>, updatedBefore: Date) async throws -> Int {
        let kept = Array(keeping)
        return try await call("purgeSettings") { client in
            let rows = try await client.query(
                """
                DELETE FROM settings WHERE starts_with(key, \(prefix)) AND NOT (key = ANY(\(kept))) AND updated_at < \(updatedBefore)
                RETURNING key
                """, logger: self.logger)
            return try await Self.rows(rows) { _ in 1 }.count
        }
    }

    /// A session-level advisory lock held on one pooled connection while `body` runs on others.
    /// The whole turn has a deadline of its own (the body's calls have theirs): a lease that can
    /// never be granted (the database gone, the store closed meanwhile) must not hold shutdown.
    public func runExclusively(_ name: String, _ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        let key = Self.lockKey("gatehouse.exclusive." + name)
        let logger = self.logger
        return try await call("runExclusively", deadline: settings.timeout * 12) { client in
            try await client.withConnection { connection in
                let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key)) AS taken", logger: logger)
                guard try await Self.rows(rows, { try $0["taken"].decode(Bool.self) }).first == true else { return false }
                do {
                    try await body()
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                    throw error
                }
                _ = try await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                return true
            }
        }
    }

    /// A stable 64-bit advisory lock key for a name (FNV-1a: the same on every replica and build).
    static func lockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    // MARK: - Keeping connections alive

    /// What a keep-alive ping runs (named, so that it can be told apart in `pg_stat_activity`).
    static let keepAliveQuery = "SELECT 'gatehouse keep-alive'"

    /// Every `keepAliveInterval`, as many pings at once as connections are kept open: on an idle
    /// replica the pool hands them out to its idle connections, nearly always one each (a
    /// ping done early can give its connection back to the next), and a busy replica's
    /// connections see their own traffic. A ping that fails is not an error
    /// of anyone's: the pool replaces a broken connection, and `/readyz` reports the database.
    static func keepAlive(_ client: PostgresClient, settings: PostgresConnectionSettings, logger: Logger) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: settings.keepAliveInterval) } catch { return }
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<settings.connectionsKeptOpen {
                    group.addTask {
                        _ = try? await PostgresDeadline.run(settings.timeout, "keep-alive") {
                            try await client.withConnection { connection in
                                _ = try await connection.query(PostgresQuery(unsafeSQL: keepAliveQuery), logger: logger).collect()
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Session changes

    public var pushesSessionChanges: Bool { true }

    public func sessionChanges() -> AsyncStream<SessionChange> { listener.subscribe() }

    /// A store nobody holds any more (a configuration checked, a CLI command done, a test's
    /// application gone) gives its connections back without waiting for `close`.
    deinit {
        listener.stop()
        keepingAlive.withLock { $0?.cancel() }
        running.withLock { $0?.cancel() }
    }

    public func close() async throws {
        guard
            closed.withLock({ wasClosed in
                defer { wasClosed = true }
                return !wasClosed
            })
        else { return }
        listener.stop()
        keepingAlive.withLock { $0?.cancel() }
        running.withLock { $0?.cancel() }
    }
}
