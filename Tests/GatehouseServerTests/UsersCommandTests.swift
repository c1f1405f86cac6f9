import Foundation
import Testing

/// `gatehouse users …` as an operator runs it, against the configured SQLite store.
@Suite struct UsersCommandTests {
    static func configFile() throws -> String {
        let directory = NSTemporaryDirectory() + "gatehouse-users-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let yaml = """
            public_url: https://dash.example.com
            upstream: http://127.0.0.1:3000
            store: \(TestStore.location(directory: directory))
            \(TestStore.settingsYAML)
            tenants:
              - id: acme
                email_domains: [acme.com]
            """
        try yaml.write(toFile: directory + "/gatehouse.yaml", atomically: true, encoding: .utf8)
        return directory + "/gatehouse.yaml"
    }

    @Test func addListChangeRoleDeactivate() throws {
        let config = try Self.configFile()
        let added = try GatehouseProcess.run([
            "users", "add", "--config", config, "--tenant", "acme", "--email", "Alice@acme.com", "--role", "analyst",
        ])
        #expect(added.status == 0, "\(added.errors)")
        let id = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 36)
        let again = try GatehouseProcess.run([
            "users", "add", "--config", config, "--tenant", "acme", "--email", "alice@ACME.com", "--role", "ANALYST",
        ])
        #expect(again.status == 1)
        #expect(again.errors.contains("already has"))

        let changed = try GatehouseProcess.run([
            "users", "set-role", "--config", config, "--tenant", "acme", "--email", "alice@acme.com", "--role", "MANAGER",
        ])
        #expect(changed.status == 0)
        #expect(changed.output.contains("ANALYST -> MANAGER"))
        let deactivated = try GatehouseProcess.run(["users", "deactivate", "--config", config, "--tenant", "acme", "--email", "alice@acme.com"])
        #expect(deactivated.status == 0)
        let listed = try GatehouseProcess.run(["users", "list", "--config", config, "--tenant", "acme"])
        #expect(listed.output == "\(id)\tAlice@acme.com\tAlice@acme.com\tMANAGER\tdeactivated\n")
    }

    @Test func mistakesAreClearAndChangeNothing() throws {
        let config = try Self.configFile()
        let badRole = try GatehouseProcess.run(["users", "add", "--config", config, "--tenant", "acme", "--email", "a@acme.com", "--role", "ROOT"])
        #expect(badRole.status == 64)
        #expect(badRole.errors.contains("role must be one of"))
        let badTenant = try GatehouseProcess.run(["users", "list", "--config", config, "--tenant", "nope"])
        #expect(badTenant.status == 1)
        #expect(badTenant.errors.contains("no tenant \"nope\""))
        let missing = try GatehouseProcess.run([
            "users", "set-role", "--config", config, "--tenant", "acme", "--email", "x@acme.com", "--role", "ANALYST",
        ])
        #expect(missing.status == 1)
        #expect(missing.errors.contains("has no user x@acme.com"))
    }
}

/// `gatehouse audit` reads what SCIM and the CLI changed.
@Suite struct AuditCommandTests {
    @Test func showsCLIAndSCIMChangesInOrder() async throws {
        let config = try UsersCommandTests.configFile()
        #expect(
            try GatehouseProcess.run(["users", "add", "--config", config, "--tenant", "acme", "--email", "a@acme.com", "--role", "ANALYST"]).status
                == 0)
        #expect(
            try GatehouseProcess.run(["users", "set-role", "--config", config, "--tenant", "acme", "--email", "a@acme.com", "--role", "MANAGER"])
                .status == 0)
        #expect(try GatehouseProcess.run(["users", "deactivate", "--config", config, "--tenant", "acme", "--email", "a@acme.com"]).status == 0)
        let table = try GatehouseProcess.run(["audit", "--config", config])
        #expect(table.status == 0, "\(table.errors)")
        let rows = table.output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.map { $0[6] } == ["create", "set-role", "deactivate"])
        #expect(rows.allSatisfy { $0[2] == "acme" && $0[3] == "cli" && $0[4] == "User" })
        #expect(rows.map { $0[0] } == ["1", "2", "3"])
        let json = try GatehouseProcess.run(["audit", "--config", config, "--json", "--after", "2", "--tenant", "acme"])
        let lines = json.output.split(separator: "\n")
        #expect(lines.count == 1)
        let entry = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(entry?["operation"] as? String == "deactivate")
        #expect(entry?["attributes"] as? [String] == ["active"])
        #expect(try GatehouseProcess.run(["audit", "--config", config, "--tenant", "nobody"]).output.isEmpty)
    }
}
