import Foundation
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
        #expect(try await store.appliedMigrations() == ["0001-settings", "0002-users-sessions-assertions"])
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
        #expect(try await reopened.appliedMigrations() == ["0001-settings", "0002-users-sessions-assertions"])
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

enum SQLiteStoreFactoryForTests {
    static func make() throws -> SQLiteStore { try SQLiteStore(path: SQLiteStoreTests.temporaryPath()) }
}
