import Foundation
import PostgresNIO
import Testing

@testable import GatehousePostgres

/// The connections a replica keeps open: opened without traffic, and each pinged while idle (the
/// pool's own keep-alive is off, for its cost per handed-back connection).
@Suite(.enabled(if: TestDatabase.isAvailable, "needs GATEHOUSE_TEST_POSTGRES (make test sets it)"))
struct PostgresKeepAliveTests {
    /// The store's pool connections to `database`, with the last statement each ran.
    static func poolConnections(_ database: String) async throws -> [String] {
        try await TestDatabase.admin { connection in
            let rows = try await connection.query(
                "SELECT query FROM pg_stat_activity WHERE datname = \(database) AND application_name = 'gatehouse'",
                logger: TestDatabase.logger)
            var queries: [String] = []
            for try await row in rows { queries.append(try row.decode(String.self)) }
            return queries
        }
    }

    /// Polls (a readiness check, not a sleep) until `condition` holds or 20 s have passed.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func theKeptOpenConnectionsAreOpenedWithoutTrafficAndEachIsPingedWhileIdle() async throws {
        let database = try await TestDatabase.create()
        var settings = try TestDatabase.settings(database: database, poolSize: 6)
        settings.keptOpen = 3
        settings.keepAliveInterval = .milliseconds(200)
        // No migrations, no calls: whatever connection there is, the store opened on its own.
        let store = try await PostgresStore(settings: settings, logger: TestDatabase.logger, migrate: false)
        // Every kept-open connection's last statement is a ping: each was handed one of its own.
        let pinged = try await Self.eventually {
            let queries = try await Self.poolConnections(database)
            return queries.count == 3 && queries.allSatisfy { $0 == PostgresStore.keepAliveQuery }
        }
        let seen = try await Self.poolConnections(database)
        #expect(pinged, "connections: \(seen)")
        try await store.close()
    }

    @Test func theKeptOpenCountIsAtMostThePoolSizeAndThePoolsOwnKeepAliveIsOff() throws {
        let settings = PostgresConnectionSettings(
            host: "127.0.0.1", port: 5432, user: "gatehouse", password: nil, database: "x", tls: .disable, poolSize: 2, keptOpen: 9)
        #expect(settings.connectionsKeptOpen == 2)
        #expect(try settings.clientConfiguration(applicationName: "gatehouse").options.minimumConnections == 2)
        #expect(try settings.clientConfiguration(applicationName: "gatehouse").options.keepAliveBehavior == nil)
    }
}
