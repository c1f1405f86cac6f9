import Foundation
import GatehouseSCIM
import GatehouseSessions
import GatehouseStore
import PostgresNIO
import Synchronization
import Testing

@testable import GatehousePostgres

/// Two stores on one database stand for two replicas: what one writes, the other sees and is told.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
struct PostgresReplicaTests {
    static let now = Date(timeIntervalSince1970: 1_795_953_660)

    /// Two stores on a fresh database.
    static func replicas(poolSize: Int = 4) async throws -> (PostgresStore, PostgresStore, String) {
        let database = try await TestDatabase.create()
        let a = try await PostgresStore(settings: TestDatabase.settings(database: database, poolSize: poolSize), logger: TestDatabase.logger)
        let b = try await PostgresStore(settings: TestDatabase.settings(database: database, poolSize: poolSize), logger: TestDatabase.logger)
        return (a, b, database)
    }

    /// The next change within `seconds`, or nil.
    static func next(_ changes: Changes, within seconds: Double = 5) async -> SessionChange? {
        await changes.next(within: .milliseconds(Int64(seconds * 1000)))
    }

    /// What a feed delivered, read in order by the test.
    final class Changes: Sendable {
        private let seen = Mutex(0)
        private let reader: Task<Void, Never>

        init(_ stream: AsyncStream<SessionChange>) {
            let box = Box()
            reader = Task { for await change in stream { box.append(change) } }
            self.box = box
        }

        private let box: Box
        final class Box: Sendable {
            let items = Mutex<[SessionChange]>([])
            func append(_ change: SessionChange) { items.withLock { $0.append(change) } }
        }

        /// Polls what arrived (a condition with a deadline, not a guess).
        func next(within timeout: Duration) async -> SessionChange? {
            let deadline = ContinuousClock.now + timeout
            while true {
                let change: SessionChange? = seen.withLock { read in
                    let items = box.items.withLock { $0 }
                    guard read < items.count else { return nil }
                    read += 1
                    return items[read - 1]
                }
                if let change { return change }
                if ContinuousClock.now >= deadline { return nil }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }

        deinit { reader.cancel() }
    }

    /// Waits until the feed says it listens (it starts with `lost`).
    static func listening(_ changes: Changes) async throws {
        var seen: [SessionChange] = []
        while let change = await next(changes) {
            seen.append(change)
            if change == .resumed { return }
        }
        Issue.record("the feed never said resumed: \(seen)")
    }

    @Test func aChangeOnOneReplicaReachesTheOtherWithinASecond() async throws {
        let (a, b, _) = try await Self.replicas()
        let changes = Changes(b.sessionChanges())
        try await Self.listening(changes)
        let administration = UserAdministration(directory: a, sessions: NoSessions())
        let user = try await administration.insert(
            StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Self.now))
        let started = ContinuousClock.now
        #expect(try await administration.setRole(userID: user.id, role: "ADMINISTRATOR", at: Self.now))
        #expect(await Self.next(changes, within: 1) == .user(id: user.id))
        #expect(ContinuousClock.now - started < .seconds(1))
        // Ending sessions, one or all, tells the others too.
        try await a.createSession(
            StoredSession(
                idHash: "h1", userID: user.id, tenantID: "acme", nameID: "n", sessionIndex: nil, createdAt: Self.now, lastSeenAt: Self.now,
                expiresAt: Self.now.addingTimeInterval(3600)))
        #expect(try await a.deleteSession(idHash: "h1"))
        #expect(await Self.next(changes, within: 1) == .user(id: user.id))
        #expect(
            try await a.deleteUser(
                tenantID: "acme", id: user.id,
                audit: AuditEntry(
                    at: Self.now, tenantID: "acme", actor: "t", resourceType: "User", resourceID: user.id, operation: "delete", attributes: [])))
        #expect(await Self.next(changes, within: 1) == .user(id: user.id))
        try await a.close()
        try await b.close()
    }

    @Test func aLostListenConnectionIsReportedThenResumed() async throws {
        let (a, b, database) = try await Self.replicas()
        let changes = Changes(b.sessionChanges())
        try await Self.listening(changes)
        let terminated = try await TestDatabase.admin { connection in
            let rows = try await connection.query(
                "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = \(database) AND application_name = 'gatehouse-listen'",
                logger: TestDatabase.logger)
            return try await rows.collect().count
        }
        #expect(terminated == 1)
        #expect(await Self.next(changes, within: 3) == .lost)
        #expect(await Self.next(changes, within: 5) == .resumed)
        try await a.close()
        try await b.close()
    }

    @Test func aReplayOnAnotherReplicaIsRefused() async throws {
        let (a, b, _) = try await Self.replicas()
        #expect(try await a.remember(assertionID: "_r1", tenantID: "acme", until: Self.now.addingTimeInterval(300), now: Self.now))
        #expect(try await !b.remember(assertionID: "_r1", tenantID: "acme", until: Self.now.addingTimeInterval(300), now: Self.now))
        // Once expired, the same id may be recorded again (taken over in the same statement).
        #expect(
            try await b.remember(assertionID: "_r1", tenantID: "acme", until: Self.now.addingTimeInterval(900), now: Self.now.addingTimeInterval(301))
        )
        try await a.close()
        try await b.close()
    }

    @Test func housekeepingRunsOnOneReplicaAtATime() async throws {
        let (a, b, _) = try await Self.replicas()
        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await a.runExclusively("housekeeping") {
                enter.yield()
                for await _ in released { break }
            }
        }
        for await _ in entered { break }
        #expect(try await !b.runExclusively("housekeeping") {})
        #expect(try await b.runExclusively("something else") {})
        release.yield()
        #expect(try await holder.value)
        #expect(try await b.runExclusively("housekeeping") {})
        try await a.close()
        try await b.close()
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        let database = try await TestDatabase.create()
        let settings = try TestDatabase.settings(database: database, poolSize: 2)
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore(settings: settings, logger: TestDatabase.logger) } }
            return try await group.reduce(into: [PostgresStore]()) { $0.append($1) }
        }
        for store in stores {
            #expect(try await store.appliedMigrations() == store.knownMigrations)
            try await store.close()
        }
    }

    @Test func theAuditLogIsAppendOnlyInTheDatabase() async throws {
        let (a, b, database) = try await Self.replicas()
        try await a.appendAudit(
            AuditEntry(at: Self.now, tenantID: "acme", actor: "t", resourceType: "User", resourceID: "u", operation: "create", attributes: []))
        for statement in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
            let refused = try await TestDatabase.admin(database: database) { connection in
                do {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
                    return false
                } catch {
                    return String(describing: error).contains("append-only") || PostgresErrors.sqlState(error) == PostgresErrors.raisedException
                }
            }
            #expect(refused, "\(statement) was not refused")
        }
        #expect(try await b.auditEntries(tenantID: "acme", after: 0, limit: 10).count == 1)
        try await a.close()
        try await b.close()
    }

    @Test func aCallThatCannotGetAConnectionFailsByItsDeadline() async throws {
        let migrated = try await TestDatabase.freshStore()
        let database = migrated.settings.database
        try await migrated.close()
        let store = try await PostgresStore(
            settings: TestDatabase.settings(database: database, poolSize: 1, timeout: .milliseconds(500)), logger: TestDatabase.logger,
            migrate: false)
        // The only connection is held (as by a slow request) for longer than the deadline.
        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await store.client.withConnection { _ in
                enter.yield()
                for await _ in released { break }
            }
        }
        for await _ in entered { break }
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await store.ping() }
        #expect(ContinuousClock.now - started < .seconds(3))
        release.yield()
        try await holder.value
        // With the connection back, the same call answers.
        try await store.ping()
        try await store.close()
    }

    @Test func aDatabaseThatIsNotThereFailsClosedByTheDeadline() async throws {
        var settings = try TestDatabase.settings(database: "postgres", timeout: .milliseconds(500))
        settings.port = 1  // nothing listens on port 1
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { _ = try await PostgresStore(settings: settings, logger: TestDatabase.logger) }
        // Not the migrations' two minutes (a loaded machine may take a few seconds to get there).
        #expect(ContinuousClock.now - started < .seconds(15))
    }
}

/// Revokes nothing: these tests look at the store's own notifications.
struct NoSessions: SessionRevocation {
    func endSessions(userID: String) async throws -> Int { 0 }
    func userChanged(userID: String) {}
}
