import Foundation
import GatehouseConfig
import Testing

@testable import GatehouseServer

/// `gatehouse store status|migrate` on the configured backend: status changes nothing, migrate
/// applies what is pending once, and an unreachable store is an error (exit 1 in the CLI).
@Suite struct StoreMaintenanceToolTests {
    @Test func statusLooksMigrateApplies() async throws {
        let directory = NSTemporaryDirectory() + "gatehouse-store-tool-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = try ConfigLoader.parse(
            yaml: """
                public_url: https://dash.example.com
                upstream: http://127.0.0.1:1
                store: \(TestStore.location(directory: directory))
                \(TestStore.settingsYAML)
                """
        ).get()
        let before = try await StoreMaintenanceTool.status(configuration)
        #expect(before.applied.isEmpty)
        #expect(!before.pending.isEmpty)
        #expect(before.backend == (TestStore.isPostgres ? "postgres" : "sqlite"))
        // Looking twice changes nothing.
        #expect(try await StoreMaintenanceTool.status(configuration) == before)
        #expect(try await StoreMaintenanceTool.migrate(configuration) == before.pending)
        #expect(try await StoreMaintenanceTool.migrate(configuration).isEmpty)
        let after = try await StoreMaintenanceTool.status(configuration)
        #expect(after.applied == before.pending && after.pending.isEmpty)
    }

    @Test func anUnreachablePostgreSQLIsAnError() async throws {
        let configuration = try ConfigLoader.parse(
            yaml: """
                public_url: https://dash.example.com
                upstream: http://127.0.0.1:1
                store: postgres://gatehouse@127.0.0.1:1/gatehouse?sslmode=disable
                store_timeout: 500ms
                """
        ).get()
        await #expect(throws: (any Error).self) { _ = try await StoreMaintenanceTool.status(configuration) }
    }
}
