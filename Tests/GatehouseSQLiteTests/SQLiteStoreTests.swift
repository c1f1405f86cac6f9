import Foundation
import GRDB
import GatehouseSCIM
import GatehouseStore
import Testing

@testable import GatehouseSQLite

@Suite struct SQLiteStoreTests {
    static func temporaryPath() -> String {
        NSTemporaryDirectory() + "gatehouse-store-\(UUID().uuidString)/gatehouse.db"
    }

    @Test func opensInWALModeWithMigrationsApplied() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        #expect(try await store.journalMode() == "wal")
        #expect(try await store.appliedMigrations() == ["0001-settings", "0002-users-sessions-assertions", "0003-scim-groups-audit"])
        try await store.ping()
        try await store.close()
    }

    @Test func settingsSurviveAReopen() async throws {
        let path = Self.temporaryPath()
        let store = try SQLiteStore(path: path)
        #expect(try await store.setting("idp-metadata/acme") == nil)
        try await store.setSetting("idp-metadata/acme", value: Array("<md/>".utf8))
        try await store.setSetting("idp-metadata/acme", value: Array("<md2/>".utf8))
        try await store.close()

        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.setting("idp-metadata/acme") == Array("<md2/>".utf8))
        #expect(try await reopened.appliedMigrations() == ["0001-settings", "0002-users-sessions-assertions", "0003-scim-groups-audit"])
        try await reopened.close()
    }

    @Test func anUnopenablePathFailsWithAStoreError() {
        #expect(throws: StoreError.self) { try SQLiteStore(path: "/proc/gatehouse/nope.db") }
    }

    @Test func aClosedStoreIsNotReady() async throws {
        let store = try SQLiteStore(path: Self.temporaryPath())
        try await store.close()
        await #expect(throws: (any Error).self) { try await store.ping() }
    }
}

@Suite struct SQLiteProvisioningTests {
    @Test func theAuditLogIsAppendOnly() async throws {
        let store = try SQLiteStore(path: SQLiteStoreTests.temporaryPath())
        try await store.appendAudit(
            AuditEntry(at: Date(), tenantID: "acme", actor: "cli", resourceType: "User", resourceID: "1", operation: "set-role", attributes: ["role"])
        )
        await #expect(throws: DatabaseError.self) { try await store.pool.write { db in try db.execute(sql: "UPDATE audit_log SET actor = 'x'") } }
        await #expect(throws: DatabaseError.self) { try await store.pool.write { db in try db.execute(sql: "DELETE FROM audit_log") } }
        #expect(try await store.auditEntries(tenantID: nil, after: 0, limit: 10).map(\.actor) == ["cli"])
        try await store.close()
    }

    @Test func migration0003GivesEarlierUsersADocument() async throws {
        let path = SQLiteStoreTests.temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let old = try DatabasePool(path: path)
        try SQLiteMigrations.migrator.migrate(old, upTo: "0002-users-sessions-assertions")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO users (id, tenant_id, user_name, user_name_key, email, email_key, role, active, created_at, updated_at)
                    VALUES ('u1', 'acme', 'Bob@acme.com', 'bob@acme.com', 'bob@acme.com', 'bob@acme.com', 'ANALYST', 0, '2026-01-01', '2026-01-01')
                    """)
        }
        try old.close()
        let store = try SQLiteStore(path: path)
        let user = try #require(try await store.user(id: "u1"))
        #expect(user.source == "local" && user.version == 1)
        let document = try #require(JSONValue.parse(Array((user.document ?? "").utf8))?.objectValue)
        #expect(document["userName"] == .string("Bob@acme.com"))
        #expect(document["active"] == .bool(false))
        #expect(document["role"] == .string("ANALYST"))
        let page = try await store.users(
            tenantID: "acme", filter: try SCIMFilterParser.parse(#"emails.value eq "BOB@acme.com" and active eq false"#), startIndex: 1, count: 10)
        #expect(page.items.map(\.id) == ["u1"])
        try await store.close()
    }
}
