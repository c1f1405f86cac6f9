import Foundation
import GatehouseStore
import Testing

/// What every `Store` backend must do with users, sessions and assertion IDs; written once, run
/// against each backend (SQLite now, PostgreSQL with its issue).
enum StoreConformance {
    static let now = Date(timeIntervalSince1970: 1_795_953_660)

    static func users(_ store: any Store) async throws {
        let alice = StoredUser(tenantID: "acme", userName: "Alice@Acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: now)
        try await store.createUser(alice)
        // Case-insensitive by userName and by email; echoed as written.
        #expect(try await store.user(tenantID: "acme", named: "alice@ACME.com")?.userName == "Alice@Acme.com")
        #expect(try await store.user(tenantID: "other", named: "alice@acme.com") == nil)
        await #expect(throws: StoreError(.conflict, context: "")) {
            try await store.createUser(StoredUser(tenantID: "acme", userName: "ALICE@acme.com", email: "x@acme.com", role: "ANALYST", createdAt: now))
        }
        // The same name in another tenant is another person.
        try await store.createUser(
            StoredUser(tenantID: "other", userName: "alice@acme.com", email: "alice@acme.com", role: "MANAGER", createdAt: now))
        #expect(try await store.setRole(userID: alice.id, role: "ADMINISTRATOR", at: now.addingTimeInterval(5)))
        #expect(try await store.setActive(userID: alice.id, active: false, at: now.addingTimeInterval(6)))
        let changed = try #require(try await store.user(id: alice.id))
        #expect(changed.role == "ADMINISTRATOR")
        #expect(!changed.active)
        #expect(changed.updatedAt == now.addingTimeInterval(6))
        #expect(try await !store.setRole(userID: "nobody", role: "ANALYST", at: now))
        #expect(try await store.users(tenantID: "acme").map(\.userName) == ["Alice@Acme.com"])
    }

    static func sessions(_ store: any Store) async throws {
        let user = StoredUser(tenantID: "acme", userName: "bob@acme.com", email: "bob@acme.com", role: "ANALYST", createdAt: now)
        try await store.createUser(user)
        func session(_ hash: String, index: String?) -> StoredSession {
            StoredSession(
                idHash: hash, userID: user.id, tenantID: "acme", nameID: "bob@acme.com", sessionIndex: index, createdAt: now, lastSeenAt: now,
                expiresAt: now.addingTimeInterval(3_600))
        }
        try await store.createSession(session("h1", index: "s1"))
        try await store.createSession(session("h2", index: "s2"))
        try await store.createSession(session("h3", index: "s3"))
        #expect(try await store.session(idHash: "h1")?.sessionIndex == "s1")
        try await store.touchSession(idHash: "h1", at: now.addingTimeInterval(60))
        #expect(try await store.session(idHash: "h1")?.lastSeenAt == now.addingTimeInterval(60))
        #expect(try await store.deleteSessions(tenantID: "acme", nameID: "bob@acme.com", sessionIndex: "s2") == 1)
        #expect(try await store.deleteSessions(tenantID: "other", nameID: "bob@acme.com", sessionIndex: nil) == 0)
        #expect(try await store.deleteSession(idHash: "h3"))
        #expect(try await !store.deleteSession(idHash: "h3"))
        // Idle past the cut-off or past the absolute end: purged.
        #expect(try await store.purgeSessions(now: now.addingTimeInterval(30), idleBefore: now.addingTimeInterval(61)) == 1)
        try await store.createSession(session("h4", index: nil))
        try await store.createSession(session("h5", index: nil))
        #expect(try await store.deleteSessions(userID: user.id) == 2)
        #expect(try await store.session(idHash: "h4") == nil)
    }

    static func assertionIDs(_ store: any Store) async throws {
        let until = now.addingTimeInterval(300)
        #expect(try await store.rememberAssertion(id: "a1", tenantID: "acme", until: until, now: now))
        #expect(try await !store.rememberAssertion(id: "a1", tenantID: "acme", until: until, now: now.addingTimeInterval(10)))
        #expect(try await store.rememberAssertion(id: "a1", tenantID: "other", until: until, now: now))
        // After it expired the record may go; the assertion itself is expired by then.
        #expect(try await store.rememberAssertion(id: "a1", tenantID: "acme", until: until.addingTimeInterval(300), now: until.addingTimeInterval(1)))
    }
}

@Suite struct SQLiteStoreConformanceTests {
    static func store() throws -> any Store {
        try SQLiteStoreFactoryForTests.make()
    }

    @Test func users() async throws { try await StoreConformance.users(Self.store()) }
    @Test func sessions() async throws { try await StoreConformance.sessions(Self.store()) }
    @Test func assertionIDs() async throws { try await StoreConformance.assertionIDs(Self.store()) }
}
