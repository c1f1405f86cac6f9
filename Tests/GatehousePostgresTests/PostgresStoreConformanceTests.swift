import GatehouseStoreTesting
import Testing

@testable import GatehousePostgres

/// Every storage behaviour of `GatehouseStoreTesting`, on PostgreSQL (one shared database: each
/// case uses tenants of its own).
@Suite(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
struct PostgresStoreConformanceTests {
    static let shared = Task { try await TestDatabase.freshStore() }

    @Test(.serialized, arguments: StoreConformance.cases) func conformance(_ c: StoreConformance.Case) async throws {
        try await c.run(Self.shared.value)
    }
}
