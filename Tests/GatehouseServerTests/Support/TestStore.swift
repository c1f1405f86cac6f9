import Foundation
import GatehouseTestSupport
import Synchronization

/// The store the server tests run against, from `GATEHOUSE_TEST_STORE`: `sqlite` (the default: a
/// fresh file in the test's directory) or a `postgres://…/DB` URL of a cluster the tests may
/// create databases on: each test directory gets a fresh database there (with `psql`), so every
/// test has an empty store on either backend.
enum TestStore {
    /// The `store:` value for a configuration whose files live in `directory`.
    static func location(directory: String) -> String {
        let chosen = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_STORE"] ?? "sqlite"
        if chosen.isEmpty || chosen == "sqlite" { return "sqlite:\(directory)/gatehouse.db" }
        // One database per directory: a test that opens its directory again (a restart) finds its data.
        return databases.withLock { known in
            if let url = known[directory] { return url }
            let url = freshDatabase(on: chosen)
            known[directory] = url
            return url
        }
    }

    private static let databases = Mutex<[String: String]>([:])

    /// Store settings for the configuration, one top-level YAML line: on PostgreSQL the whole
    /// suite shares two cores with the database, so a store call may take longer than the
    /// production deadline (the fault tests set their own).
    /// A small pool too: the suite runs many Gatehouses at once, and a test process with
    /// thousands of descriptors open once crashed Foundation's `Process.run`.
    static var settingsYAML: String { isPostgres ? "store_timeout: 30s\nstore_pool_size: 4" : "" }

    static var isPostgres: Bool { (ProcessInfo.processInfo.environment["GATEHOUSE_TEST_STORE"] ?? "").hasPrefix("postgres") }

    /// `url` with its database replaced by a new, empty one.
    static func freshDatabase(on url: String) -> String {
        let name = "gatehouse_server_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20))"
        let status: Int32
        do {
            status = try ChildProcess.run("/usr/bin/env", ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", "CREATE DATABASE \(name)"]).status
        } catch {
            fatalError("psql could not be started to create a test database: \(error)")
        }
        precondition(status == 0, "psql could not create the test database \(name) on \(url)")
        let queryStart = url.firstIndex(of: "?") ?? url.endIndex
        let slash = url[..<queryStart].lastIndex(of: "/")!
        return String(url[..<url.index(after: slash)]) + name + String(url[queryStart...])
    }
}
