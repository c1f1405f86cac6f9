import Testing

@testable import GatehouseConfig

/// `tenants[].scim_token_sha256_file`: the hashes from a mounted Secret, one per line, added to
/// the inline list; a bad line is a problem that names the file and the line.
@Suite struct SCIMTokenHashFileTests {
    static let inline = String(repeating: "ab", count: 32)
    static let fromFile = String(repeating: "CD", count: 32)

    static func yaml(inline: Bool) -> String {
        ConfigLoaderTests.minimal + """

            tenants:
              - id: acme
                email_domains: [acme.com]
                idp_metadata_url: https://acme.okta.com/app/exk123/sso/saml/metadata
                scim_token_sha256_file: /etc/gatehouse/secrets/acme-scim
            """ + (inline ? "\n    scim_token_sha256: [\"\(Self.inline)\"]\n" : "\n")
    }

    @Test func hashesFromTheFileJoinTheInlineOnes() throws {
        let file = "# acme's Okta token, rotated 2026-12\n\(Self.fromFile)  \n\n"
        let config = try ConfigLoader.parse(yaml: Self.yaml(inline: true), readFile: { _ in file }).get()
        #expect(config.tenants[0].scimTokenSHA256 == [Self.inline, Self.fromFile.lowercased()])
    }

    @Test func aFileAloneTurnsSCIMOn() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml(inline: false), readFile: { _ in Self.fromFile + "\n" }).get()
        #expect(config.tenants[0].scimTokenSHA256 == [Self.fromFile.lowercased()])
    }

    @Test(arguments: ["not-a-hash\n", String(repeating: "ab", count: 31) + "\n", String(repeating: "zz", count: 32)])
    func aLineThatIsNotAHashIsAProblem(_ file: String) {
        guard case .failure(let failure) = ConfigLoader.parse(yaml: Self.yaml(inline: false), readFile: { _ in file }) else {
            Issue.record("\(file.debugDescription) was accepted")
            return
        }
        #expect(failure.problems.map(\.path) == ["tenants[0].scim_token_sha256_file"])
        #expect(failure.description.contains("line 1 of /etc/gatehouse/secrets/acme-scim"))
    }

    @Test func anUnreadableFileIsAProblem() {
        struct Missing: Error {}
        guard case .failure(let failure) = ConfigLoader.parse(yaml: Self.yaml(inline: true), readFile: { _ in throw Missing() }) else {
            Issue.record("an unreadable hash file was accepted")
            return
        }
        #expect(failure.problems.map(\.path) == ["tenants[0].scim_token_sha256_file"])
    }
}
