import Foundation
import GatehouseSCIM
import Testing

/// `gatehouse tenant init` as an operator uses it: every printed value works as printed.
@Suite struct TenantInitTests {
    static func value(_ label: String, in output: String) throws -> String {
        let line = try #require(output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
        return String(line.split(separator: " ").last ?? "")
    }

    @Test func thePrintedValuesWorkAsPrinted() async throws {
        let directory = NSTemporaryDirectory() + "gatehouse-tenant-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = TestGatehouse.baseYAML(upstreamPort: 1, directory: directory, accessLog: false)
        try base.write(toFile: directory + "/base.yaml", atomically: true, encoding: .utf8)
        let result = try GatehouseProcess.run(["tenant", "init", "acme", "--domain", "Acme.com", "--config", directory + "/base.yaml"])
        #expect(result.status == 0, "\(result.errors)")
        let output = result.output
        let acs = try Self.value("Single Sign-On URL (ACS):", in: output)
        let audience = try Self.value("Audience URI (SP Entity ID):", in: output)
        let scimBase = try Self.value("SCIM connector base URL:", in: output)
        let token = try Self.value("SCIM bearer token:", in: output)
        let bookmark = try Self.value("Bookmark (sign-in) URL:", in: output)
        #expect(token.count >= 43)
        // The snippet, pasted as the operator would, with the customer's metadata (a fixture here).
        let snippet = output.components(separatedBy: "configuration and set idp_metadata_url to the customer's IdP metadata URL:\n\n")[1]
            .replacingOccurrences(
                of: "idp_metadata_url: https://IDP-METADATA-URL", with: "idp_metadata_file: \(PythonIdP.fixture("okta-metadata.xml"))")
        #expect(snippet.contains("email_domains: [acme.com]"))
        #expect(!snippet.contains(token))

        try await TestGatehouse.with(extraYAML: "tenants:\n" + snippet + "\n") { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            let origin = "http://127.0.0.1:8080"
            func local(_ url: String) -> String { String(url.dropFirst(origin.count)) }
            let port = gatehouse.ports.proxy
            let scim = try await RawHTTP.get(port: port, local(scimBase) + "/ServiceProviderConfig", headers: ["Authorization: Bearer \(token)"])
            #expect(scim.status == 200)
            let metadata = try await RawHTTP.get(port: port, local(audience))
            #expect(metadata.status == 200)
            #expect(metadata.body.contains(#"entityID="\#(audience)""#))
            #expect(metadata.body.contains(#"Location="\#(acs)""#))
            #expect(try await RawHTTP.get(port: port, local(bookmark)).status == 302)
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Date()))
            let response = try PythonIdP.signedResponse(email: "alice@acme.com", inResponseTo: nil, acs: acs, audience: audience, now: Date())
            let landed = try await RawHTTP.postToACS(port: port, local(acs), fields: [("SAMLResponse", response)])
            #expect(landed.status == 303)
        }
    }

    @Test func anExistingTenantGetsATokenForRotationInstead() throws {
        let directory = NSTemporaryDirectory() + "gatehouse-tenant-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let yaml =
            TestGatehouse.baseYAML(upstreamPort: 1, directory: directory, accessLog: false)
            + "tenants:\n  - id: acme\n    email_domains: [acme.com]\n"
        try yaml.write(toFile: directory + "/g.yaml", atomically: true, encoding: .utf8)
        let again = try GatehouseProcess.run(["tenant", "init", "acme", "--domain", "acme.com", "--config", directory + "/g.yaml"])
        #expect(again.status == 1)
        #expect(again.errors.contains("already exists"))
        let rotated = try GatehouseProcess.run(["tenant", "token", "acme", "--config", directory + "/g.yaml"])
        #expect(rotated.status == 0)
        #expect(rotated.output.contains("New SCIM bearer token for acme"))
        let invalid = try GatehouseProcess.run(["tenant", "init", "Acme_Corp", "--domain", "acme.com", "--config", directory + "/g.yaml"])
        #expect(invalid.status == 64)
    }
}
