import Foundation
import GatehouseSAML
import GatehouseSCIM
import GatehouseSessions
import GatehouseStore
import Synchronization
import Testing

/// A backend as the conformance suite sees it: the shared store and every domain port.
public typealias ConformingStore = Store & DirectoryStore & SessionStore & AssertionReplayCache

/// Revokes nothing (the suite checks storage, not the proxy's cache).
struct NoRevocation: SessionRevocation {
    func endSessions(userID: String) async throws -> Int { 0 }
    func userChanged(userID: String) {}
}

extension DirectoryStore {
    var administration: UserAdministration { UserAdministration(directory: self, sessions: NoRevocation()) }
    func createUser(_ user: StoredUser) async throws { _ = try await administration.insert(user) }
}

/// What every `Store` backend must do with users, sessions and assertion IDs; written once, run
/// against each backend (SQLite now, PostgreSQL with its issue).
public enum StoreConformance {
    /// The frozen clock of every case.
    static let now = Date(timeIntervalSince1970: 1_795_953_660)

    /// One storage behaviour, run against a backend by `run`.
    public struct Case: Sendable, CustomStringConvertible {
        public let name: String
        let body: @Sendable (any ConformingStore) async throws -> Void
        public var description: String { name }
        /// Runs the case on `store` (which may already hold other data: each case uses tenants and keys of its own).
        public func run(_ store: any ConformingStore) async throws { try await body(store) }
    }

    /// Every case; a backend's tests run them with one line:
    /// `@Test(.serialized, arguments: StoreConformance.cases) func conformance(_ c: StoreConformance.Case) async throws { try await c.run(makeStore()) }`
    /// (serialized: the cases share one store, and housekeeping purges what has expired for everybody)
    public static let cases: [Case] = [
        Case(name: "users", body: users), Case(name: "sessions", body: sessions), Case(name: "assertion ids", body: assertionIDs),
        Case(name: "provisioning", body: provisioning), Case(name: "settings", body: settings), Case(name: "migrations", body: migrations),
        Case(name: "audit", body: audit), Case(name: "groups", body: groups), Case(name: "filter against the reference", body: filterProperty),
        Case(name: "housekeeping", body: housekeeping),
    ]

    /// A tenant id nobody else uses, so a case can run on a shared, non-empty database.
    static func freshTenant() -> String { "t-\(UUID().uuidString.lowercased())" }

    static func users(_ store: any ConformingStore) async throws {
        let (acme, other) = (freshTenant(), freshTenant())
        let alice = StoredUser(tenantID: acme, userName: "Alice@Acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: now)
        try await store.createUser(alice)
        // Case-insensitive by userName and by email; echoed as written.
        #expect(try await store.user(tenantID: acme, named: "alice@ACME.com")?.userName == "Alice@Acme.com")
        #expect(try await store.user(tenantID: other, named: "alice@acme.com") == nil)
        await #expect(throws: DirectoryError(.conflict, context: "")) {
            try await store.createUser(StoredUser(tenantID: acme, userName: "ALICE@acme.com", email: "x@acme.com", role: "ANALYST", createdAt: now))
        }
        // The same name in another tenant is another person.
        try await store.createUser(
            StoredUser(tenantID: other, userName: "alice@acme.com", email: "alice@acme.com", role: "MANAGER", createdAt: now))
        #expect(try await store.administration.setRole(userID: alice.id, role: "ADMINISTRATOR", at: now.addingTimeInterval(5)))
        #expect(
            try await store.administration.setActive(
                tenantID: acme, named: "alice@acme.com", active: false, actor: "cli", at: now.addingTimeInterval(6))
                != nil)
        let changed = try #require(try await store.user(id: alice.id))
        #expect(changed.role == "ADMINISTRATOR")
        #expect(!changed.active)
        #expect(changed.updatedAt == now.addingTimeInterval(6))
        // The stored SCIM document follows changes made outside SCIM.
        let document = try #require(JSONValue.parse(Array((changed.document ?? "").utf8))?.objectValue)
        #expect(document["role"] == .string("ADMINISTRATOR") && document["active"] == .bool(false))
        #expect(changed.version == 3)
        #expect(try await !store.administration.setRole(userID: "nobody", role: "ANALYST", at: now))
        #expect(try await store.users(tenantID: acme).map(\.userName) == ["Alice@Acme.com"])
    }

    static func sessions(_ store: any ConformingStore) async throws {
        let (acme, other) = (freshTenant(), freshTenant())
        let user = StoredUser(tenantID: acme, userName: "bob@acme.com", email: "bob@acme.com", role: "ANALYST", createdAt: now)
        try await store.createUser(user)
        func session(_ hash: String, index: String?) -> StoredSession {
            StoredSession(
                idHash: hash, userID: user.id, tenantID: acme, nameID: "bob@acme.com", sessionIndex: index, createdAt: now, lastSeenAt: now,
                expiresAt: now.addingTimeInterval(3_600))
        }
        try await store.createSession(session("\(acme)h1", index: "s1"))
        try await store.createSession(session("\(acme)h2", index: "s2"))
        try await store.createSession(session("\(acme)h3", index: "s3"))
        #expect(try await store.session(idHash: "\(acme)h1")?.sessionIndex == "s1")
        try await store.touchSession(idHash: "\(acme)h1", at: now.addingTimeInterval(60))
        #expect(try await store.session(idHash: "\(acme)h1")?.lastSeenAt == now.addingTimeInterval(60))
        #expect(try await store.deleteSessions(tenantID: acme, nameID: "bob@acme.com", sessionIndex: "s2") == 1)
        #expect(try await store.deleteSessions(tenantID: other, nameID: "bob@acme.com", sessionIndex: nil) == 0)
        #expect(try await store.deleteSession(idHash: "\(acme)h3"))
        #expect(try await !store.deleteSession(idHash: "\(acme)h3"))
        // Idle past the cut-off or past the absolute end: purged.
        #expect(try await store.purgeSessions(now: now.addingTimeInterval(30), idleBefore: now.addingTimeInterval(61)) == 1)
        try await store.createSession(session("\(acme)h4", index: nil))
        try await store.createSession(session("\(acme)h5", index: nil))
        #expect(try await store.deleteSessions(userID: user.id) == 2)
        #expect(try await store.session(idHash: "\(acme)h4") == nil)
    }

    static func assertionIDs(_ store: any ConformingStore) async throws {
        let (acme, other) = (freshTenant(), freshTenant())
        let until = now.addingTimeInterval(300)
        #expect(try await store.remember(assertionID: "a1", tenantID: acme, until: until, now: now))
        #expect(try await !store.remember(assertionID: "a1", tenantID: acme, until: until, now: now.addingTimeInterval(10)))
        #expect(try await store.remember(assertionID: "a1", tenantID: other, until: until, now: now))
        // After it expired the record may go; the assertion itself is expired by then.
        #expect(try await store.remember(assertionID: "a1", tenantID: acme, until: until.addingTimeInterval(300), now: until.addingTimeInterval(1)))
    }
}

extension StoreConformance {
    static func audit(_ user: StoredUser, _ operation: String) -> AuditEntry {
        AuditEntry(
            at: now, tenantID: user.tenantID, actor: "scim-token:abc", resourceType: "User", resourceID: user.id, operation: operation,
            attributes: ["userName"])
    }

    /// SCIM provisioning: adoption rules, atomic updates with their audit entry, cascades.
    static func provisioning(_ store: any ConformingStore) async throws {
        let (acme, other) = (freshTenant(), freshTenant())
        let jit = StoredUser(tenantID: acme, userName: "Alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: now, source: "jit")
        try await store.createUser(jit)
        // Users made outside SCIM get a document from their columns.
        let local = try #require(try await store.user(id: jit.id))
        #expect(local.document?.contains(#""userName":"Alice@acme.com""#) == true)
        var scim = StoredUser(
            tenantID: acme, userName: "alice@ACME.com", email: "alice@acme.com", role: "MANAGER", createdAt: now, document: "{}", source: "scim")
        await #expect(throws: DirectoryError(.conflict, context: "")) {
            try await store.administration.provision(scim, adoptExisting: false, audit: audit(scim, "create"))
        }
        let (adopted, wasAdopted) = try await store.administration.provision(scim, adoptExisting: true, audit: audit(scim, "create"))
        #expect(wasAdopted && adopted.id == jit.id && adopted.version == 2)
        scim.id = UUID().uuidString
        await #expect(throws: DirectoryError(.conflict, context: "")) {
            try await store.administration.provision(scim, adoptExisting: true, audit: audit(scim, "create"))
        }

        // A failed change leaves nothing behind, not even its audit entry.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await store.administration.update(tenantID: acme, id: jit.id) { _ in throw Refused() }
        }
        #expect(try await store.administration.update(tenantID: other, id: jit.id) { ($0, audit($0, "patch")) } == nil)
        let updated = try #require(
            try await store.administration.update(tenantID: acme, id: jit.id) { current in
                var next = current
                next.role = "DESIGNER"
                return (next, audit(next, "patch"))
            })
        #expect(updated.version == 3 && updated.role == "DESIGNER")

        // Groups: members must be the tenant's users; deleting a user drops its memberships and sessions.
        let stranger = StoredUser(tenantID: other, userName: "x@other.com", email: "x@other.com", role: "ANALYST", createdAt: now)
        try await store.createUser(stranger)
        let foreign = StoredGroup(tenantID: acme, displayName: "G", document: "{}", memberIDs: [stranger.id], createdAt: now)
        await #expect(throws: DirectoryError(.invalidReference, context: "")) {
            try await store.createGroup(foreign, audit: audit(jit, "create"))
        }
        let group = StoredGroup(tenantID: acme, displayName: "Admins", document: "{}", memberIDs: [jit.id], createdAt: now)
        try await store.createGroup(group, audit: audit(jit, "create"))
        let member = try await store.users(tenantID: acme, filter: .compare(.init(name: "id"), .eq, .string(jit.id)), startIndex: 1, count: 1)
        #expect(member.items.first?.groups == [GroupReference(id: group.id, displayName: "Admins")])
        #expect(try await store.group(tenantID: other, id: group.id) == nil)
        try await store.createSession(
            StoredSession(
                idHash: "\(acme)h", userID: jit.id, tenantID: acme, nameID: "n", sessionIndex: nil, createdAt: now, lastSeenAt: now,
                expiresAt: now + 60))
        #expect(try await store.deleteUser(tenantID: other, id: jit.id, audit: audit(jit, "delete")) == false)
        #expect(try await store.deleteUser(tenantID: acme, id: jit.id, audit: audit(jit, "delete")))
        #expect(try await store.session(idHash: "\(acme)h") == nil)
        #expect(try await store.group(tenantID: acme, id: group.id)?.memberIDs == [])

        let entries = try await store.auditEntries(tenantID: acme, after: 0, limit: 100)
        #expect(entries.map(\.operation) == ["adopt", "patch", "create", "delete"])
        let sequences = entries.compactMap(\.sequence)
        #expect(sequences.count == entries.count && sequences == sequences.sorted())
        #expect(try await store.auditEntries(tenantID: acme, after: entries[1].sequence ?? 0, limit: 1).map(\.operation) == ["create"])
    }
}

extension StoreConformance {
    /// Settings: replace, set-if-absent keeps the first value, and two replicas reading a shared
    /// secret first at once both end with the same value.
    static func settings(_ store: any ConformingStore) async throws {
        let key = "conformance/\(UUID().uuidString)"
        #expect(try await store.setting(key) == nil)
        try await store.setSetting(key, value: [1])
        try await store.setSetting(key, value: [2])
        #expect(try await store.setting(key) == [2])
        #expect(try await store.setSettingIfAbsent(key, value: [3]) == [2])
        let fresh = "conformance/\(UUID().uuidString)"
        #expect(try await store.setSettingIfAbsent(fresh, value: [4]) == [4])

        let shared = "conformance/\(UUID().uuidString)"
        let values = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for replica in 0..<8 {
                group.addTask {
                    try await store.sharedSetting(shared, isUsable: { $0.count == 32 }, generate: { [UInt8](repeating: UInt8(replica), count: 32) })
                }
            }
            return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
        }
        #expect(Set(values).count == 1)
        #expect(try await store.setting(shared) == values.first)
        // A value that is not usable is replaced.
        try await store.setSetting(shared, value: [9])
        #expect(try await store.sharedSetting(shared, isUsable: { $0.count == 32 }, generate: { [UInt8](repeating: 7, count: 32) }).count == 32)
    }
}

extension StoreConformance {
    /// Migrations: named, applied once each, in order, and the list survives calls.
    static func migrations(_ store: any ConformingStore) async throws {
        let applied = try await store.appliedMigrations()
        #expect(!applied.isEmpty)
        #expect(Set(applied).count == applied.count)
        #expect(try await store.appliedMigrations() == applied)
        try await store.ping()
    }

    /// The audit log: entries in order with increasing sequences, per tenant or all, and no
    /// operation of the port rewrites or drops one.
    static func audit(_ store: any ConformingStore) async throws {
        let (acme, other) = (freshTenant(), freshTenant())
        func entry(_ tenant: String, _ operation: String) -> AuditEntry {
            AuditEntry(at: now, tenantID: tenant, actor: "cli", resourceType: "User", resourceID: "1", operation: operation, attributes: ["role"])
        }
        try await store.appendAudit(entry(acme, "set-role"))
        try await store.appendAudit(entry(other, "deactivate"))
        try await store.appendAudit(entry(acme, "reactivate"))
        let mine = try await store.auditEntries(tenantID: acme, after: 0, limit: 10)
        #expect(mine.map(\.operation) == ["set-role", "reactivate"])
        #expect(mine.allSatisfy { $0.at == now && $0.attributes == ["role"] && $0.actor == "cli" })
        let first = try #require(mine.first?.sequence)
        let all = try await store.auditEntries(tenantID: nil, after: first - 1, limit: 1_000)
        #expect(all.filter { $0.tenantID == acme || $0.tenantID == other }.map(\.operation) == ["set-role", "deactivate", "reactivate"])
        #expect(try await store.auditEntries(tenantID: acme, after: first, limit: 10).map(\.operation) == ["reactivate"])
        // Deleting the user an entry names leaves the entry.
        let user = try await store.administration.add(tenantID: acme, email: "a@x.com", role: "ANALYST", actor: "cli", at: now)
        #expect(try await store.deleteUser(tenantID: acme, id: user.id, audit: entry(acme, "delete")))
        #expect(try await store.auditEntries(tenantID: acme, after: 0, limit: 10).map(\.operation) == ["set-role", "reactivate", "create", "delete"])
    }

    /// Groups: list with filters and paging, update (rename, members, version), delete.
    static func groups(_ store: any ConformingStore) async throws {
        let (acme, other) = (freshTenant(), freshTenant())
        let alice = try await store.administration.add(tenantID: acme, email: "alice@x.com", role: "ANALYST", actor: "cli", at: now)
        let bob = try await store.administration.add(tenantID: acme, email: "bob@x.com", role: "ANALYST", actor: "cli", at: now)
        @Sendable func audit(_ id: String, _ operation: String) -> AuditEntry {
            AuditEntry(at: now, tenantID: acme, actor: "t", resourceType: "Group", resourceID: id, operation: operation, attributes: [])
        }
        let admins = StoredGroup(tenantID: acme, displayName: "Admins", document: #"{"displayName":"Admins"}"#, memberIDs: [alice.id], createdAt: now)
        let staff = StoredGroup(tenantID: acme, displayName: "Staff", document: #"{"displayName":"Staff"}"#, createdAt: now)
        try await store.createGroup(admins, audit: audit(admins.id, "create"))
        try await store.createGroup(staff, audit: audit(staff.id, "create"))
        await #expect(throws: DirectoryError(.conflict, context: "")) { try await store.createGroup(staff, audit: audit(staff.id, "create")) }
        let all = try await store.groups(tenantID: acme, filter: nil, startIndex: 1, count: 10)
        #expect(all.totalResults == 2 && all.items.map(\.displayName) == ["Admins", "Staff"])
        let second = try await store.groups(tenantID: acme, filter: nil, startIndex: 2, count: 1)
        #expect(second.totalResults == 2 && second.items.map(\.id) == [staff.id])
        let named = try await store.groups(tenantID: acme, filter: try SCIMFilterParser.parse(#"displayName eq "admins""#), startIndex: 1, count: 10)
        #expect(named.items.map(\.id) == [admins.id])
        let withBob = try await store.groups(
            tenantID: acme, filter: .compare(.init(name: "members", subAttribute: "value"), .eq, .string(alice.id)), startIndex: 1, count: 10)
        #expect(withBob.items.map(\.id) == [admins.id])
        #expect(try await store.groups(tenantID: other, filter: nil, startIndex: 1, count: 10).totalResults == 0)

        let later = now.addingTimeInterval(30)
        let renamed = try #require(
            try await store.updateGroup(tenantID: acme, id: admins.id) { current in
                var next = current
                next.displayName = "Owners"
                next.memberIDs = [bob.id, alice.id]
                next.updatedAt = later
                return (next, audit(current.id, "patch"))
            })
        #expect(renamed.displayName == "Owners" && renamed.memberIDs == [bob.id, alice.id] && renamed.version == 2 && renamed.updatedAt == later)
        #expect(try await store.updateGroup(tenantID: other, id: admins.id) { ($0, audit($0.id, "patch")) } == nil)
        await #expect(throws: DirectoryError(.invalidReference, context: "")) {
            _ = try await store.updateGroup(tenantID: acme, id: admins.id) { current in
                var next = current
                next.memberIDs = ["nobody"]
                return (next, audit(current.id, "patch"))
            }
        }
        #expect(try await store.group(tenantID: acme, id: admins.id)?.memberIDs == [bob.id, alice.id])
        let bobRead = try await store.users(tenantID: acme, filter: .compare(.init(name: "id"), .eq, .string(bob.id)), startIndex: 1, count: 1)
        #expect(bobRead.items.first?.groups == [GroupReference(id: admins.id, displayName: "Owners")])
        #expect(try await !store.deleteGroup(tenantID: other, id: staff.id, audit: audit(staff.id, "delete")))
        #expect(try await store.deleteGroup(tenantID: acme, id: staff.id, audit: audit(staff.id, "delete")))
        #expect(try await store.group(tenantID: acme, id: staff.id) == nil)
        let operations = try await store.auditEntries(tenantID: acme, after: 0, limit: 100).filter { $0.resourceType == "Group" }.map(\.operation)
        #expect(operations == ["create", "create", "patch", "delete"])
    }
}

extension StoreConformance {
    /// What scheduled housekeeping removes, and only that.
    static func housekeeping(_ store: any ConformingStore) async throws {
        let tenant = freshTenant()
        #expect(try await store.remember(assertionID: "h1", tenantID: tenant, until: now.addingTimeInterval(10), now: now))
        #expect(try await store.purgeExpiredAssertionIDs(now: now.addingTimeInterval(11)) >= 1)
        // Purged, so the same id records as new (its assertion expired long ago).
        #expect(try await store.remember(assertionID: "h1", tenantID: tenant, until: now.addingTimeInterval(20), now: now))
        #expect(try await !store.remember(assertionID: "h1", tenantID: tenant, until: now.addingTimeInterval(20), now: now))

        let prefix = "purge/\(UUID().uuidString)/"
        for name in ["kept", "gone-1", "gone-2"] { try await store.setSetting(prefix + name, value: [1]) }
        #expect(try await store.purgeSettings(prefix: prefix, keeping: [prefix + "kept"], updatedBefore: Date.distantPast) == 0)
        #expect(try await store.purgeSettings(prefix: prefix, keeping: [prefix + "kept"], updatedBefore: Date.distantFuture) == 2)
        #expect(try await store.setting(prefix + "kept") == [1])
        #expect(try await store.setting(prefix + "gone-1") == nil)

        let ran = Ran()
        #expect(try await store.runExclusively("conformance-\(UUID().uuidString)") { ran.mark() })
        #expect(ran.value)
    }

    final class Ran: Sendable {
        private let state = Mutex(false)
        func mark() { state.withLock { $0 = true } }
        var value: Bool { state.withLock { $0 } }
    }
}
