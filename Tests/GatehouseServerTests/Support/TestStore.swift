import Foundation

/// The store the server tests run against, from `GATEHOUSE_TEST_STORE`: `sqlite` (the default: a
/// fresh file in the test's directory) or a `postgres://…` URL (shared by every test; each test
/// uses its own tenant data or a fresh database as the backend allows).
enum TestStore {
    /// The `store:` value for a configuration whose files live in `directory`.
    static func location(directory: String) -> String {
        let chosen = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_STORE"] ?? "sqlite"
        if chosen.isEmpty || chosen == "sqlite" { return "sqlite:\(directory)/gatehouse.db" }
        return chosen
    }
}
