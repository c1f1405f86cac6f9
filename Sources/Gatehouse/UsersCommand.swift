import ArgumentParser
import Foundation
import GatehouseBasics
import GatehouseConfig
import GatehouseServer
import GatehouseStore

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

        /// The configuration and the store, after checking the tenant exists.
        func open() throws -> (GatehouseConfiguration, Store) {
            let configuration = try options.load()
            guard configuration.tenants.contains(where: { $0.id == tenant }) else {
                FileHandle.standardError.write(Data("gatehouse: no tenant \"\(tenant)\" in the configuration\n".utf8))
                throw ExitCode(1)
            }
            return (configuration, try StoreFactory.open(configuration.store))
        }
    }

    static func checkRole(_ role: String) throws -> String {
        let upper = role.uppercased()
        guard DashboardRole.all.contains(upper) else {
            throw ValidationError("role must be one of \(DashboardRole.all.joined(separator: ", "))")
        }
        return upper
    }

    static func user(_ store: Store, tenant: String, email: String) async throws -> StoredUser {
        guard let user = try await store.user(tenantID: tenant, named: email) else {
            FileHandle.standardError.write(Data("gatehouse: tenant \(tenant) has no user \(email)\n".utf8))
            throw ExitCode(1)
        }
        return user
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's users.")
        @OptionGroup var target: Target

        func run() async throws {
            let (_, store) = try target.open()
            for user in try await store.users(tenantID: target.tenant) {
                print([user.id, user.userName, user.email, user.role, user.active ? "active" : "deactivated"].joined(separator: "\t"))
            }
            try await store.close()
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user (before SCIM, or for a tenant without it).")
        @OptionGroup var target: Target
        @Option(help: "Sign-in email (the userName).") var email: String
        @Option(help: "Role, e.g. ANALYST.") var role: String

        func run() async throws {
            let role = try Users.checkRole(role)
            let (_, store) = try target.open()
            let user = StoredUser(tenantID: target.tenant, userName: email, email: email, role: role, createdAt: Date(), source: "cli")
            do {
                try await store.createUser(user)
            } catch let error as StoreError where error.code == .conflict {
                FileHandle.standardError.write(Data("gatehouse: tenant \(target.tenant) already has \(email)\n".utf8))
                throw ExitCode(1)
            }
            try await Users.audit(store, tenant: target.tenant, userID: user.id, operation: "create", attributes: ["userName", "role"])
            print(user.id)
            try await store.close()
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Change a user's role.")
        @OptionGroup var target: Target
        @Option(help: "The user's email or userName.") var email: String
        @Option(help: "New role, e.g. MANAGER.") var role: String

        func run() async throws {
            let role = try Users.checkRole(role)
            let (_, store) = try target.open()
            let user = try await Users.user(store, tenant: target.tenant, email: email)
            _ = try await store.setRole(userID: user.id, role: role, at: Date())
            try await Users.audit(store, tenant: target.tenant, userID: user.id, operation: "set-role", attributes: ["role"])
            print("\(user.userName): \(user.role) -> \(role)")
            try await store.close()
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
        let (_, store) = try target.open()
        let user = try await user(store, tenant: target.tenant, email: email)
        _ = try await store.setActive(userID: user.id, active: active, at: Date())
        try await audit(store, tenant: target.tenant, userID: user.id, operation: active ? "reactivate" : "deactivate", attributes: ["active"])
        if active {
            print("\(user.userName): active")
        } else {
            print("\(user.userName): deactivated, \(try await store.deleteSessions(userID: user.id)) session(s) ended")
        }
        try await store.close()
    }

    /// Changes made by hand go into the same audit log as SCIM's, by the actor `cli`.
    static func audit(_ store: Store, tenant: String, userID: String, operation: String, attributes: [String]) async throws {
        try await store.appendAudit(
            AuditEntry(
                at: Date(), tenantID: tenant, actor: "cli", resourceType: "User", resourceID: userID, operation: operation, attributes: attributes))
    }
}
