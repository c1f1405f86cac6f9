import Foundation
import GatehouseSCIM
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

extension StoreConformance {
    static func audit(_ user: StoredUser, _ operation: String) -> AuditEntry {
        AuditEntry(
            at: Date(), tenantID: user.tenantID, actor: "scim-token:abc", resourceType: "User", resourceID: user.id, operation: operation,
            attributes: ["userName"])
    }

    /// SCIM provisioning: adoption rules, atomic updates with their audit entry, cascades.
    static func provisioning(_ store: any Store) async throws {
        let now = Date()
        let jit = StoredUser(tenantID: "acme", userName: "Alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: now, source: "jit")
        try await store.createUser(jit)
        // Users made outside SCIM get a document from their columns.
        let local = try #require(try await store.user(id: jit.id))
        #expect(local.document?.contains(#""userName":"Alice@acme.com""#) == true)
        var scim = StoredUser(
            tenantID: "acme", userName: "alice@ACME.com", email: "alice@acme.com", role: "MANAGER", createdAt: now, document: "{}", source: "scim")
        await #expect(throws: StoreError(.conflict, context: "")) {
            try await store.provisionUser(scim, adoptExisting: false, audit: audit(scim, "create"))
        }
        let (adopted, wasAdopted) = try await store.provisionUser(scim, adoptExisting: true, audit: audit(scim, "create"))
        #expect(wasAdopted && adopted.id == jit.id && adopted.version == 2)
        scim.id = UUID().uuidString
        await #expect(throws: StoreError(.conflict, context: "")) {
            try await store.provisionUser(scim, adoptExisting: true, audit: audit(scim, "create"))
        }

        // A failed change leaves nothing behind, not even its audit entry.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await store.updateUser(tenantID: "acme", id: jit.id) { _ in throw Refused() }
        }
        #expect(try await store.updateUser(tenantID: "other", id: jit.id) { ($0, audit($0, "patch")) } == nil)
        let updated = try #require(
            try await store.updateUser(tenantID: "acme", id: jit.id) { current in
                var next = current
                next.role = "DESIGNER"
                return (next, audit(next, "patch"))
            })
        #expect(updated.version == 3 && updated.role == "DESIGNER")

        // Groups: members must be the tenant's users; deleting a user drops its memberships and sessions.
        let other = StoredUser(tenantID: "other", userName: "x@other.com", email: "x@other.com", role: "ANALYST", createdAt: now)
        try await store.createUser(other)
        let foreign = StoredGroup(tenantID: "acme", displayName: "G", document: "{}", memberIDs: [other.id], createdAt: now)
        await #expect(throws: StoreError(.invalidReference, context: "")) {
            try await store.createGroup(foreign, audit: audit(jit, "create"))
        }
        let group = StoredGroup(tenantID: "acme", displayName: "Admins", document: "{}", memberIDs: [jit.id], createdAt: now)
        try await store.createGroup(group, audit: audit(jit, "create"))
        let member = try await store.users(tenantID: "acme", filter: .compare(.init(name: "id"), .eq, .string(jit.id)), startIndex: 1, count: 1)
        #expect(member.items.first?.groups == [GroupReference(id: group.id, displayName: "Admins")])
        #expect(try await store.group(tenantID: "other", id: group.id) == nil)
        try await store.createSession(
            StoredSession(
                idHash: "h", userID: jit.id, tenantID: "acme", nameID: "n", sessionIndex: nil, createdAt: now, lastSeenAt: now, expiresAt: now + 60))
        #expect(try await store.deleteUser(tenantID: "other", id: jit.id, audit: audit(jit, "delete")) == false)
        #expect(try await store.deleteUser(tenantID: "acme", id: jit.id, audit: audit(jit, "delete")))
        #expect(try await store.session(idHash: "h") == nil)
        #expect(try await store.group(tenantID: "acme", id: group.id)?.memberIDs == [])

        let entries = try await store.auditEntries(tenantID: "acme", after: 0, limit: 100)
        #expect(entries.map(\.operation) == ["adopt", "patch", "create", "delete"])
        let sequences = entries.compactMap(\.sequence)
        #expect(sequences.count == entries.count && sequences == sequences.sorted())
        #expect(try await store.auditEntries(tenantID: "acme", after: entries[1].sequence ?? 0, limit: 1).map(\.operation) == ["create"])
    }
}
