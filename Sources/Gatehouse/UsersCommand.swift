import ArgumentParser
import Foundation
import GatehouseConfig
import GatehouseServer

/// `gatehouse users`: the tenant's users in the store, for seeding before SCIM and for fixing a
/// role by hand. A running Gatehouse sees a change within a few seconds (its session re-check).
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, add, change the role of, deactivate or reactivate a tenant's users.",
        subcommands: [List.self, Add.self, SetRole.self, Deactivate.self, Reactivate.self]
    )

    struct Target: ParsableArguments {
        @OptionGroup var options: ConfigOptions
        @Option(help: "Tenant id.") var tenant: String

        /// User administration over the configured store, after checking the tenant exists.
        func open() async throws -> UserAdministrationTool {
            let configuration = try options.load()
            guard configuration.tenants.contains(where: { $0.id == tenant }) else {
                FileHandle.standardError.write(Data("gatehouse: no tenant \"\(tenant)\" in the configuration\n".utf8))
                throw ExitCode(1)
            }
            return try await UserAdministrationTool.open(configuration)
        }
    }

    static func checkRole(_ role: String) throws -> String {
        let upper = role.uppercased()
        guard UserAdministrationTool.roles.contains(upper) else {
            throw ValidationError("role must be one of \(UserAdministrationTool.roles.joined(separator: ", "))")
        }
        return upper
    }

    /// Runs `body`; a refusal becomes its message on standard error and exit code 1.
    static func refusing<T>(tenant: String, email: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch UserAdministrationTool.Refusal.noSuchUser {
            FileHandle.standardError.write(Data("gatehouse: tenant \(tenant) has no user \(email)\n".utf8))
            throw ExitCode(1)
        } catch UserAdministrationTool.Refusal.alreadyExists {
            FileHandle.standardError.write(Data("gatehouse: tenant \(tenant) already has \(email)\n".utf8))
            throw ExitCode(1)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's users.")
        @OptionGroup var target: Target

        func run() async throws {
            let tool = try await target.open()
            for user in try await tool.list(tenantID: target.tenant) {
                print([user.id, user.userName, user.email, user.role, user.active ? "active" : "deactivated"].joined(separator: "\t"))
            }
            try await tool.close()
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user (before SCIM, or for a tenant without it).")
        @OptionGroup var target: Target
        @Option(help: "Sign-in email (the userName).") var email: String
        @Option(help: "Role, e.g. ANALYST.") var role: String

        func run() async throws {
            let role = try Users.checkRole(role)
            let tool = try await target.open()
            let id = try await Users.refusing(tenant: target.tenant, email: email) {
                try await tool.add(tenantID: target.tenant, email: email, role: role)
            }
            print(id)
            try await tool.close()
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change a user's role.")
        @OptionGroup var target: Target
        @Option(help: "The user's email or userName.") var email: String
        @Option(help: "New role, e.g. MANAGER.") var role: String

        func run() async throws {
            let role = try Users.checkRole(role)
            let tool = try await target.open()
            let changed = try await Users.refusing(tenant: target.tenant, email: email) {
                try await tool.setRole(tenantID: target.tenant, email: email, role: role)
            }
            print("\(changed.user.userName): \(changed.previousRole) -> \(role)")
            try await tool.close()
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deactivate a user and end their sessions.")
        @OptionGroup var target: Target
        @Option(help: "The user's email or userName.") var email: String

        func run() async throws { try await Users.setActive(false, target: target, email: email) }
    }

    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reactivate a user.")
        @OptionGroup var target: Target
        @Option(help: "The user's email or userName.") var email: String

        func run() async throws { try await Users.setActive(true, target: target, email: email) }
    }

    /// Deactivation also ends every session of the user, as SCIM's `active: false` does.
    static func setActive(_ active: Bool, target: Target, email: String) async throws {
        let tool = try await target.open()
        let changed = try await refusing(tenant: target.tenant, email: email) {
            try await tool.setActive(tenantID: target.tenant, email: email, active: active)
        }
        if active {
            print("\(changed.user.userName): active")
        } else {
            print("\(changed.user.userName): deactivated, \(changed.endedSessions) session(s) ended")
        }
        try await tool.close()
    }
}
