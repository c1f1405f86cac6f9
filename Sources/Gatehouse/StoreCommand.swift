import ArgumentParser
import Foundation
import GatehouseConfig
import GatehouseServer

/// `gatehouse store migrate|status`: the store's schema, applied ahead of a rollout or checked.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Apply or list the configured store's schema migrations.", subcommands: [Migrate.self, Status.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the pending migrations (safe while replicas start: they take the same lock).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            let applied = try await StoreCommand.reporting { try await StoreMaintenanceTool.migrate(configuration) }
            print(applied.isEmpty ? "up to date" : applied.map { "applied \($0)" }.joined(separator: "\n"))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the backend and its applied and pending migrations (exit 1 if unreachable).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            let status = try await StoreCommand.reporting { try await StoreMaintenanceTool.status(configuration) }
            print("backend\t\(status.backend)")
            for name in status.applied { print("applied\t\(name)") }
            for name in status.pending { print("pending\t\(name)") }
        }
    }

    /// A store that cannot be reached or migrated: its reason on standard error, exit code 1.
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            FileHandle.standardError.write(Data("gatehouse: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
