import Foundation
import GatehouseSCIM
import GatehouseStore
import Testing

@testable import GatehousePostgres

/// `userName eq` lookups arriving together share a statement: which filters take that way, the
/// batcher's answers, and the statement on PostgreSQL against the filter compiler's own query.
@Suite struct PostgresUserNameLookupsTests {
    @Test(arguments: [
        (#"userName eq "alice@acme.com""#, "alice@acme.com"),
        (#"USERNAME eq "Alice@Acme.com""#, "Alice@Acme.com"),
        (#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#, "a"),
        (#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName eq "a""#, "a"),
        (#"userName eq """#, ""),
    ])
    func exactlyAUserNameEqualityTakesTheBatchedWay(_ text: String, _ userName: String) throws {
        #expect(UserNameLookup.userName(try SCIMFilterParser.parse(text)) == userName)
    }

    @Test(arguments: [
        #"userName eq "a" and active eq true"#, #"userName eq "a" or userName eq "b""#, #"not (userName eq "a")"#, #"userName ne "a""#,
        #"userName co "a""#, #"userName sw "a""#, #"userName eq null"#, #"userName eq true"#, #"userName eq 1"#, #"userName pr"#,
        #"externalId eq "a""#, #"displayName eq "a""#, #"emails[value eq "a"]"#,
        #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "a""#, #"name.userName eq "a""#, #"userName.x eq "a""#,
    ])
    func anythingElseTakesTheCompilersWay(_ text: String) throws {
        #expect(UserNameLookup.userName(try SCIMFilterParser.parse(text)) == nil)
    }

    @Test func noFilterTakesTheCompilersWay() {
        #expect(UserNameLookup.userName(nil) == nil)
    }

    // MARK: - The batcher

    @Test func lookupsArrivingDuringAStatementShareTheNextAndEachGetsItsOwnAnswer() async throws {
        let gate = Gate()
        let batches = Locked<[[Int]]>([])
        let batcher = PostgresBatcher<Int, String>(what: "test", maximumItems: 64, maximumRunners: 1, maximumWaiting: 100)
        let run: @Sendable ([Int]) async throws -> PostgresBatcher<Int, String>.Outcome = { items in
            let first = batches.mutex.withLock { batches in
                batches.append(items)
                return batches.count == 1
            }
            if first { await gate.wait() }
            return .answered(items.map { "answer \($0)" })
        }
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            group.addTask { (0, try await batcher.submit(0, run: run)) }
            try await PostgresUserInsertsTests.eventually { batches.mutex.withLock { $0.count } == 1 }
            // 7 twice: a duplicate in one batch is answered twice.
            for item in [1, 2, 3, 7, 7] { group.addTask { (item, try await batcher.submit(item, run: run)) } }
            try await PostgresUserInsertsTests.eventually { batcher.waitingCount == 5 }
            gate.open()
            for try await (item, answer) in group { #expect(answer == "answer \(item)") }
        }
        let seen = batches.mutex.withLock { $0 }
        #expect(seen.count == 2)
        #expect(seen[1].sorted() == [1, 2, 3, 7, 7])
    }

    @Test func aStatementWithTheWrongNumberOfAnswersAnswersNobody() async throws {
        let batcher = PostgresBatcher<Int, String>(what: "test", maximumItems: 64, maximumRunners: 1, maximumWaiting: 100)
        await #expect(throws: StoreError.self) {
            try await batcher.submit(1) { _ in .answered(["one", "two"]) }
        }
        await #expect(throws: StoreError.self) {
            try await batcher.submit(1) { _ in .answered([]) }
        }
    }

    /// Opens once.
    final class Gate: Sendable {
        private let state = Locked<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withCheckedContinuation { continuation in
                let open = state.mutex.withLock { state in
                    if !state.open { state.waiting.append(continuation) }
                    return state.open
                }
                if open { continuation.resume() }
            }
        }

        func open() {
            let waiting = state.mutex.withLock { state in
                state.open = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume() }
        }
    }

    // MARK: - The statement on PostgreSQL

    static let now = Date(timeIntervalSince1970: 1_795_953_660)

    static func user(_ tenantID: String, _ name: String) -> StoredUser {
        StoredUser(
            tenantID: tenantID, userName: name, email: name, role: "viewer", createdAt: now, document: #"{"userName":"\#(name)"}"#, source: "scim")
    }

    @Test(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
    func concurrentLookupsFindWhatTheCompilersQueryFindsAndNeverAnotherTenantsUser() async throws {
        let store = try await TestDatabase.freshStore()
        // The same userName in two tenants; names whose case changes as a whole string does
        // (ß stays ß, the Kelvin sign becomes k); one in a group.
        let users = [
            Self.user("acme", "Alice@Acme.com"), Self.user("globex", "alice@acme.com"), Self.user("acme", "Straße@acme.com"),
            Self.user("acme", "\u{212A}elvin@acme.com"), Self.user("globex", "bob@globex.com"),
        ]
        let rows = users.map { PostgresUserInserts.Row(user: $0, audit: nil) }
        #expect(try await store.insertNewUsers(rows).insertedIDs == Set(users.map(\.id)))
        try await store.createGroup(
            StoredGroup(
                tenantID: "acme", displayName: "Admins", document: #"{"displayName":"Admins"}"#, memberIDs: [users[0].id], createdAt: Self.now),
            audit: AuditEntry(
                at: Self.now, tenantID: "acme", actor: "scim", resourceType: "Group", resourceID: "g", operation: "create", attributes: []))

        let asked = [
            ("acme", "alice@acme.com"), ("acme", "ALICE@ACME.COM"), ("globex", "Alice@Acme.com"), ("acme", "strasse@acme.com"),
            ("acme", "STRASSE@ACME.COM"), ("acme", "kelvin@acme.com"), ("acme", "bob@globex.com"), ("globex", "bob@globex.com"),
            ("initech", "alice@acme.com"), ("acme", "nobody@acme.com"), ("acme", "alice@acme.com"), ("acme", "alice@acme.co"),
        ]
        let lookups = Array(repeating: asked, count: 5).joined()
        let answers = try await withThrowingTaskGroup(of: (Int, StoredPage<StoredUser>).self) { group in
            for (index, (tenantID, name)) in lookups.enumerated() {
                group.addTask {
                    (
                        index,
                        try await store.users(
                            tenantID: tenantID, filter: .compare(SCIMAttributePath(name: "userName"), .eq, .string(name)), startIndex: 1, count: 100)
                    )
                }
            }
            return try await group.reduce(into: [Int: StoredPage<StoredUser>]()) { $0[$1.0] = $1.1 }
        }
        for (index, (tenantID, name)) in lookups.enumerated() {
            // The same question, in a shape that goes through the filter compiler.
            let filter = try SCIMFilterParser.parse(#"userName eq "\#(name)" and userName eq "\#(name)""#)
            let reference = try await store.users(tenantID: tenantID, filter: filter, startIndex: 1, count: 100)
            let answer = try #require(answers[index])
            #expect(answer.totalResults == reference.totalResults, "\(tenantID) \(name)")
            #expect(answer.items == reference.items, "\(tenantID) \(name)")
            #expect(answer.items.allSatisfy { $0.tenantID == tenantID })
        }
        #expect(answers[0]?.items.map(\.id) == [users[0].id])
        #expect(answers[0]?.items.first?.groups.map(\.displayName) == ["Admins"])
        #expect(answers[2]?.items.map(\.id) == [users[1].id])
        #expect(answers[8]?.totalResults == 0)
        // Every one of them went the batched way; the reference questions did not.
        #expect(store.userNameLookups.submittedCount == UInt64(lookups.count))

        // One statement for all of them (duplicates, other tenants, nobody): each its own answer.
        let batch = asked.map { UserNameLookup(tenantID: $0.0, key: SCIMCaseFolding.fold($0.1)) }
        guard case .answered(let found) = try await store.users(named: batch) else {
            Issue.record("the statement was refused")
            return
        }
        #expect(found.count == asked.count)
        for (index, (tenantID, name)) in asked.enumerated() {
            #expect(found[index]?.id == answers[index]?.items.first?.id, "\(tenantID) \(name)")
            #expect(found[index]?.groups == answers[index]?.items.first?.groups)
        }
    }

    @Test(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
    func aLaterPageOrAnEmptyOneTakesTheCompilersWayWithTheSameTotal() async throws {
        let store = try await TestDatabase.freshStore()
        let alice = Self.user("acme", "alice@acme.com")
        _ = try await store.insertNewUsers([PostgresUserInserts.Row(user: alice, audit: nil)])
        let filter = SCIMFilter.compare(SCIMAttributePath(name: "userName"), .eq, .string("alice@acme.com"))
        let second = try await store.users(tenantID: "acme", filter: filter, startIndex: 2, count: 10)
        #expect(second.totalResults == 1 && second.items.isEmpty)
        let none = try await store.users(tenantID: "acme", filter: filter, startIndex: 1, count: 0)
        #expect(none.totalResults == 1 && none.items.isEmpty)
        #expect(store.userNameLookups.submittedCount == 0)
        // startIndex below 1 reads as 1 on both ways.
        for startIndex in [0, -5, 1] {
            let page = try await store.users(tenantID: "acme", filter: filter, startIndex: startIndex, count: 1)
            #expect(page.totalResults == 1 && page.items.map(\.id) == [alice.id])
        }
        #expect(store.userNameLookups.submittedCount == 3)
    }
}
