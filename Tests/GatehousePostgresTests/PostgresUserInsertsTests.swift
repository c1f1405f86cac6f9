import Foundation
import GatehouseSCIM
import GatehouseStore
import PostgresNIO
import Synchronization
import Testing

@testable import GatehousePostgres

/// Group commit of new users: the batching rules with a stand-in statement (no database), then
/// the real statement on PostgreSQL.
@Suite struct PostgresUserInsertsTests {
    static let now = Date(timeIntervalSince1970: 1_795_953_660)

    static func row(_ name: String, document: String? = nil, audit: Bool = true) -> PostgresUserInserts.Row {
        let user = StoredUser(
            tenantID: "acme", userName: name, email: name, role: "viewer", createdAt: now, document: document ?? #"{"userName":"\#(name)"}"#,
            source: "scim")
        let entry = AuditEntry(
            at: now, tenantID: "acme", actor: "scim", resourceType: "User", resourceID: user.id, operation: "create", attributes: ["userName"])
        return PostgresUserInserts.Row(user: user, audit: audit ? entry : nil)
    }

    /// A stand-in statement: records each batch, waits for `release` before its first batch
    /// returns, and says every row was inserted unless told otherwise.
    final class Statement: Sendable {
        struct State {
            var batches: [[String]] = []
            var running = 0
            var mostRunning = 0
            var gate: CheckedContinuation<Void, Never>?
            var held = true
        }
        let state = Mutex(State())
        let outcome: @Sendable ([PostgresUserInserts.Row]) throws -> PostgresUserInserts.Outcome

        init(outcome: @escaping @Sendable ([PostgresUserInserts.Row]) throws -> PostgresUserInserts.Outcome = { .inserted(Set($0.map(\.user.id))) }) {
            self.outcome = outcome
        }

        func write(_ rows: [PostgresUserInserts.Row]) async throws -> PostgresUserInserts.Outcome {
            let first = state.withLock { state in
                state.batches.append(rows.map(\.user.userName))
                state.running += 1
                state.mostRunning = max(state.mostRunning, state.running)
                return state.batches.count == 1
            }
            if first {
                await withCheckedContinuation { continuation in
                    let open = state.withLock { state in
                        guard state.held else { return true }
                        state.gate = continuation
                        return false
                    }
                    if open { continuation.resume() }
                }
            }
            defer { state.withLock { $0.running -= 1 } }
            return try outcome(rows)
        }

        func release() {
            let gate = state.withLock { state in
                state.held = false
                defer { state.gate = nil }
                return state.gate
            }
            gate?.resume()
        }

        var batches: [[String]] { state.withLock { $0.batches } }
        var mostRunning: Int { state.withLock { $0.mostRunning } }
    }

    /// Waits (a readiness check, not a sleep) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<10_000 where !condition() { await Task.yield() }
        #expect(condition())
    }

    @Test func createsArrivingDuringAWriteShareTheNextStatement() async throws {
        let statement = Statement()
        let inserts = PostgresUserInserts(maximumRows: 64, maximumWriters: 1)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await inserts.insert(Self.row("first")) { try await statement.write($0) } }
            try await Self.eventually { statement.batches.count == 1 }
            for index in 0..<10 {
                group.addTask { try await inserts.insert(Self.row("later\(index)")) { try await statement.write($0) } }
            }
            try await Self.eventually { inserts.waitingCount == 10 }
            statement.release()
            for try await inserted in group { #expect(inserted) }
        }
        #expect(statement.batches.count == 2)
        #expect(statement.batches[0] == ["first"])
        #expect(Set(statement.batches[1]) == Set((0..<10).map { "later\($0)" }))
        #expect(statement.mostRunning == 1)
    }

    @Test func batchesKeepToTheirLimits() async throws {
        let statement = Statement()
        let inserts = PostgresUserInserts(maximumRows: 3, maximumWriters: 2)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask { try await inserts.insert(Self.row("user\(index)")) { try await statement.write($0) } }
            }
            try await Self.eventually { inserts.waitingCount + statement.batches.joined().count == 20 }
            statement.release()
            for try await inserted in group { #expect(inserted) }
        }
        #expect(statement.batches.joined().count == 20)
        #expect(statement.batches.allSatisfy { $0.count <= 3 })
        #expect(statement.mostRunning <= 2)
        #expect(inserts.waitingCount == 0)
    }

    @Test func aTakenUserNameIsOnlyItsOwnCallersFalse() async throws {
        let statement = Statement { rows in .inserted(Set(rows.filter { $0.user.userName != "taken" }.map(\.user.id))) }
        statement.release()
        let inserts = PostgresUserInserts()
        async let taken = inserts.insert(Self.row("taken")) { try await statement.write($0) }
        async let free = inserts.insert(Self.row("free")) { try await statement.write($0) }
        #expect(try await taken == false)
        #expect(try await free == true)
    }

    struct Refusal: Error {}
    struct ConnectionLost: Error {}

    @Test func aStatementTheServerRefusesIsRetriedRowByRowSoOnlyTheBadRowsCallerHearsIt() async throws {
        let statement = Statement { rows in
            rows.contains { $0.user.userName == "bad" } ? .refused(Refusal()) : .inserted(Set(rows.map(\.user.id)))
        }
        let inserts = PostgresUserInserts(maximumRows: 64, maximumWriters: 1)
        let results = Locked<[String: Result<Bool, any Error>]>([:])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await inserts.insert(Self.row("opener")) { try await statement.write($0) } }
            try? await Self.eventually { statement.batches.count == 1 }
            for name in ["good1", "bad", "good2"] {
                group.addTask {
                    let result: Result<Bool, any Error>
                    do {
                        result = .success(try await inserts.insert(Self.row(name)) { try await statement.write($0) })
                    } catch {
                        result = .failure(error)
                    }
                    results.mutex.withLock { $0[name] = result }
                }
            }
            try? await Self.eventually { inserts.waitingCount == 3 }
            statement.release()
        }
        let answered = results.mutex.withLock { $0 }
        #expect((try? answered["good1"]?.get()) == true)
        #expect((try? answered["good2"]?.get()) == true)
        #expect(throws: Refusal.self) { try answered["bad"]?.get() }
        // The shared statement once, then each of its rows alone.
        #expect(statement.batches.dropFirst().map { $0.count } == [3, 1, 1, 1])
    }

    @Test func anErrorThatIsNoRefusalReachesEveryCallerOfTheBatchWithoutRetries() async throws {
        let statement = Statement { _ in throw ConnectionLost() }
        statement.release()
        let inserts = PostgresUserInserts(maximumRows: 64, maximumWriters: 1)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<5 {
                group.addTask {
                    await #expect(throws: ConnectionLost.self) { try await inserts.insert(Self.row("u\(index)")) { try await statement.write($0) } }
                }
            }
        }
        #expect(statement.batches.joined().count == 5)
    }

    @Test func nobodyIsAnsweredBeforeTheirStatementReturns() async throws {
        let committed = Locked(Set<String>())
        let statement = Statement { rows in
            committed.mutex.withLock { $0.formUnion(rows.map(\.user.id)) }
            return .inserted(Set(rows.map(\.user.id)))
        }
        statement.release()
        let inserts = PostgresUserInserts(maximumRows: 4, maximumWriters: 2)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let row = Self.row("u\(index)")
                    let inserted = try? await inserts.insert(row) { try await statement.write($0) }
                    #expect(inserted == true)
                    #expect(committed.mutex.withLock { $0.contains(row.user.id) })
                }
            }
        }
    }

    @Test func aCallerCancelledWhileQueuedIsAnsweredAtOnceAndItsRowIsNeverWritten() async throws {
        let statement = Statement()
        let inserts = PostgresUserInserts(maximumRows: 64, maximumWriters: 1)
        let opener = Task { try await inserts.insert(Self.row("opener")) { try await statement.write($0) } }
        try await Self.eventually { statement.batches.count == 1 }
        let late = Task { try await inserts.insert(Self.row("late")) { try await statement.write($0) } }
        let kept = Task { try await inserts.insert(Self.row("kept")) { try await statement.write($0) } }
        try await Self.eventually { inserts.waitingCount == 2 }
        late.cancel()
        await #expect(throws: StoreError.self) { try await late.value }
        #expect(inserts.waitingCount == 1)
        statement.release()
        #expect(try await opener.value)
        #expect(try await kept.value)
        #expect(!statement.batches.joined().contains("late"))

        // Cancelled before it was even queued: refused, nothing written.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await inserts.insert(Self.row("early")) { try await statement.write($0) }
        }
        await #expect(throws: StoreError.self) { try await early.value }
        #expect(!statement.batches.joined().contains("early"))
    }

    @Test func aCallerWhoseDeadlinePassesWhileQueuedIsAnsweredThenAndItsRowIsNeverWritten() async throws {
        let statement = Statement()
        let inserts = PostgresUserInserts(maximumRows: 64, maximumWriters: 1)
        let opener = Task { try await inserts.insert(Self.row("opener")) { try await statement.write($0) } }
        try await Self.eventually { statement.batches.count == 1 }
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await inserts.insert(Self.row("late"), deadline: .milliseconds(100)) { try await statement.write($0) }
        }
        #expect(ContinuousClock.now - started >= .milliseconds(100))
        #expect(inserts.waitingCount == 0)
        statement.release()
        #expect(try await opener.value)
        #expect(try await inserts.insert(Self.row("after"), deadline: .seconds(30)) { try await statement.write($0) })
        #expect(!statement.batches.joined().contains("late"))
    }

    @Test func aCallerWhoseDeadlinePassesDuringItsStatementIsAnsweredThenAndTheLaterAnswerIsDropped() async throws {
        let statement = Statement()
        let inserts = PostgresUserInserts(maximumRows: 64, maximumWriters: 1)
        // Long enough for the writer to have taken the row under a loaded parallel suite (seen
        // taking over 100 ms): the deadline must pass while the statement holds it, not before.
        let slow = Task { try await inserts.insert(Self.row("slow"), deadline: .seconds(2)) { try await statement.write($0) } }
        let end = ContinuousClock.now + .seconds(30)
        while statement.batches.isEmpty && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
        #expect(statement.batches == [["slow"]])
        await #expect(throws: StoreError.self) { try await slow.value }
        // Answered while the statement is still held: its answer comes later, to nobody.
        statement.release()
        // The statement returns to nobody; the batcher goes on with the next caller.
        #expect(try await inserts.insert(Self.row("next"), deadline: .seconds(30)) { try await statement.write($0) })
    }

    @Test func aFullQueueRefusesAtOnce() async throws {
        let statement = Statement()
        let inserts = PostgresUserInserts(maximumRows: 64, maximumWriters: 1, maximumWaiting: 2)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await inserts.insert(Self.row("opener")) { try await statement.write($0) } }
            try await Self.eventually { statement.batches.count == 1 }
            for name in ["a", "b"] { group.addTask { try await inserts.insert(Self.row(name)) { try await statement.write($0) } } }
            try await Self.eventually { inserts.waitingCount == 2 }
            await #expect(throws: StoreError.self) { try await inserts.insert(Self.row("c")) { try await statement.write($0) } }
            statement.release()
            for try await inserted in group { #expect(inserted) }
        }
        #expect(!statement.batches.joined().contains("c"))
    }

    @Test(arguments: [
        ("22P05", true), ("22021", true), ("23502", true), ("54000", true), ("55P03", false), ("40P01", false), ("57014", false), ("25006", false),
        ("53300", false), ("57P01", false),
    ])
    func onlyAValueTheServerCannotStoreSplitsABatch(sqlState: String, splits: Bool) {
        #expect(PostgresErrors.isRefusedValue(sqlState: sqlState) == splits)
    }

    // MARK: - The statement on PostgreSQL

    @Test(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
    func oneStatementWritesTheNewUsersWithTheirAuditEntriesAndSkipsTakenNames() async throws {
        let store = try await TestDatabase.freshStore()
        let existing = Self.row("Existing@acme.com")
        #expect(try await store.insertNewUsers([existing]).insertedIDs == [existing.user.id])

        let rows = [
            Self.row("alice@acme.com", document: #"{"userName":"alice@acme.com","name":{"givenName":"Ä\u00e9\"/\\"},"emails":[]}"#),
            Self.row("existing@ACME.com"), Self.row("bob@acme.com", document: nil, audit: false), Self.row("carol@acme.com"),
            Self.row("ALICE@acme.com"),
        ]
        var noDocument = rows[2]
        noDocument = PostgresUserInserts.Row(
            user: {
                var user = noDocument.user
                user.document = nil
                user.externalID = "ext-1"
                return user
            }(), audit: nil)
        let batch = [rows[0], rows[1], noDocument, rows[3], rows[4]]
        let inserted = try #require(try await store.insertNewUsers(batch).insertedIDs)
        // The same name twice in one statement: the first row wins, as two commits in turn would.
        #expect(inserted == [rows[0].user.id, noDocument.user.id, rows[3].user.id])

        let alice = try #require(try await store.user(tenantID: "acme", named: "alice@acme.com"))
        #expect(alice.document == rows[0].user.document)
        #expect(alice.createdAt == PostgresDates.milliseconds(Self.now))
        let bob = try #require(try await store.user(id: noDocument.user.id))
        #expect(bob.document == nil && bob.externalID == "ext-1" && bob.displayName == nil)
        let page = try await store.users(
            tenantID: "acme", filter: try SCIMFilterParser.parse(#"name.givenName eq "äÉ\"/\\""#), startIndex: 1, count: 10)
        #expect(page.items.map(\.id) == [alice.id])

        let audited = try await store.auditEntries(tenantID: "acme", after: 0, limit: 100).map(\.resourceID)
        #expect(audited == [existing.user.id, rows[0].user.id, rows[3].user.id])
    }

    /// postgres-nio remembers a prepared statement whose Parse failed and answers that error on
    /// its connection for ever after: the connection is closed instead, so the next create works.
    @Test(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
    func aStatementWhoseParseFailedLeavesNoBrokenConnectionBehind() async throws {
        let database = try await TestDatabase.create()
        // Migrated with the suite's long deadline (the whole suite starts at once on two cores);
        // then one connection, so that the second create would get the first one's, and a lock
        // timeout (the store's deadline) short enough for the test, long enough for a loaded run.
        try await PostgresStore(settings: try TestDatabase.settings(database: database), logger: TestDatabase.logger).close()
        let store = try await PostgresStore(
            settings: try TestDatabase.settings(database: database, poolSize: 1, timeout: .seconds(2)), logger: TestDatabase.logger,
            migrate: false)
        let logger = TestDatabase.logger
        try await TestDatabase.admin(database: database) { admin in
            _ = try await admin.query("BEGIN", logger: logger)
            _ = try await admin.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE", logger: logger)
            await #expect(throws: (any Error).self) { _ = try await store.insertNewUsers([Self.row("locked@acme.com")]) }
            // Until the server has ended the Parse (lock_timeout), not just the caller's deadline.
            let end = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < end {
                let rows = try await admin.query(
                    "SELECT count(*)::int FROM pg_stat_activity WHERE datname = \(database) AND wait_event_type = 'Lock'", logger: logger)
                var waiting = 0
                for try await row in rows { waiting = try row.decode(Int.self) }
                if waiting == 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            _ = try await admin.query("COMMIT", logger: logger)
        }
        // The broken connection answers its cached error at once; only our own deadline (a
        // loaded suite opening the replacement connection) is worth another try, with a new row.
        let end = ContinuousClock.now + .seconds(30)
        for attempt in 0... {
            let after = Self.row("after\(attempt)@acme.com")
            do {
                #expect(try await store.insertNewUsers([after]).insertedIDs == [after.user.id])
                break
            } catch let error as StoreError where "\(error)".contains("did not answer") && ContinuousClock.now < end {
                continue
            }
        }
        try await store.close()
    }

    @Test(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
    func aValueTheServerCannotStoreRefusesTheStatementAndWritesNothing() async throws {
        let store = try await TestDatabase.freshStore()
        let bad = Self.row("nul@acme.com", document: "{\"userName\":\"nul\\u0000\"}")
        let good = Self.row("good@acme.com")
        guard case .refused = try await store.insertNewUsers([good, bad]) else {
            Issue.record("a NUL in a jsonb document must refuse the statement")
            return
        }
        #expect(try await store.user(id: good.user.id) == nil)
        #expect(try await store.auditEntries(tenantID: "acme", after: 0, limit: 10).isEmpty)
    }

    @Test(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
    func concurrentCreatesThroughTheStoreEachGetTheirOwnAnswer() async throws {
        let store = try await TestDatabase.freshStore()
        let administration = UserAdministration(directory: store, sessions: NoSessions())
        let names = (0..<60).map { "user\($0 % 50)@acme.com" }  // ten names twice
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for name in names {
                group.addTask {
                    let row = Self.row(name)
                    do {
                        _ = try await administration.provision(row.user, adoptExisting: false, audit: row.audit!)
                        return true
                    } catch let error as DirectoryError where error.code == .conflict {
                        return false
                    } catch {
                        Issue.record("unexpected \(error)")
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 50)
        #expect(try await store.users(tenantID: "acme").count == 50)
        #expect(try await store.auditEntries(tenantID: "acme", after: 0, limit: 100).count == 50)
    }

    struct NoSessions: SessionRevocation {
        func endSessions(userID: String) async throws -> Int { 0 }
        func userChanged(userID: String) {}
    }
}

/// A value tasks share.
final class Locked<Value: Sendable>: Sendable {
    let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }
}

extension PostgresUserInserts.Outcome {
    var insertedIDs: Set<String>? {
        if case .inserted(let ids) = self { return ids }
        return nil
    }
}
