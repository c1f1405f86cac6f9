import Foundation
import GRDB
import GatehouseSCIM
import GatehouseStore
import Testing

@testable import GatehouseSQLite

/// `userName eq` must be served by the index, not a scan. (The SQL-against-the-reference property
/// test runs from `GatehouseStoreTesting`.)
@Suite struct SQLiteFilterTests {
    @Test func userNameEqualityUsesTheIndex() async throws {
        var compiler = SQLiteFilterCompiler.users
        let fragment = try compiler.compile(try SCIMFilterParser.parse(#"userName eq "Alice@Acme.com""#))
        #expect(fragment.sql == "users.user_name_key = ?")
        #expect(fragment.arguments == ["alice@acme.com".databaseValue])
        let store = try SQLiteStore(path: SQLiteStoreTests.temporaryPath())
        let plan = try await store.pool.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN SELECT * FROM users WHERE tenant_id = ? AND \(fragment.strict)",
                arguments: StatementArguments(["acme".databaseValue] + fragment.arguments)
            ).map { $0["detail"] as String }.joined(separator: "\n")
        }
        #expect(plan.contains("USING INDEX"))
        #expect(!plan.contains("SCAN"))
        try await store.close()
    }
}
