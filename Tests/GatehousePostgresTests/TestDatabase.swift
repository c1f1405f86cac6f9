import Foundation
import GatehouseConfig
import Logging
import PostgresNIO

@testable import GatehousePostgres

/// A fresh database on the cluster `make test` starts (`GATEHOUSE_TEST_POSTGRES`, an admin URL);
/// the tests of this target are disabled when it is not set (running `swift test` by hand). The
/// default deadline is long: the whole suite starts at once on two cores (the deadline tests set
/// their own).
enum TestDatabase {
    static let adminURL: PostgresURL? = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES"].flatMap {
        try? PostgresURL.parse($0).get()
    }
    /// Set at all: a value that does not parse fails every test loudly instead of skipping them.
    static var isAvailable: Bool { ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES"] != nil }

    static func settings(database: String, poolSize: Int = 8, timeout: Duration = .seconds(30)) throws -> PostgresConnectionSettings {
        guard let admin = adminURL else { throw Unavailable() }
        return PostgresConnectionSettings(
            host: admin.host, port: admin.port, user: admin.user, password: admin.password, database: database, tls: .disable, poolSize: poolSize,
            timeout: timeout)
    }

    /// Creates an empty database and returns its name.
    static func create() async throws -> String {
        let name = "gatehouse_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        try await admin { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        return name
    }

    /// Runs `body` on a connection to the cluster's admin database (or `database`).
    static func admin<T: Sendable>(database: String? = nil, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard let admin = adminURL else { throw Unavailable() }
        let configuration = PostgresConnection.Configuration(
            host: admin.host, port: admin.port, username: admin.user, password: admin.password, database: database ?? admin.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 9, logger: logger)
        do {
            let value = try await body(connection)
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Opens a store on a fresh database.
    static func freshStore(poolSize: Int = 8, timeout: Duration = .seconds(30)) async throws -> PostgresStore {
        try await PostgresStore(settings: settings(database: try await create(), poolSize: poolSize, timeout: timeout), logger: logger)
    }

    static let logger = Logger(label: "gatehouse.postgres.tests")

    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "GATEHOUSE_TEST_POSTGRES is not a postgres:// URL (make test starts a cluster and sets it)" }
    }
}
