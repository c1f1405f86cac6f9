import GatehouseStoreTesting
import Testing

@testable import GatehouseSQLite

/// Every storage behaviour of `GatehouseStoreTesting`, on SQLite (one shared file: each case uses
/// tenants of its own).
@Suite struct SQLiteStoreConformanceTests {
    static let shared = Result { try SQLiteStore(path: SQLiteStoreTests.temporaryPath()) }

    @Test(.serialized, arguments: StoreConformance.cases) func conformance(_ c: StoreConformance.Case) async throws {
        try await c.run(Self.shared.get())
    }
}
