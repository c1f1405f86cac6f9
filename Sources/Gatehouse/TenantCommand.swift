import ArgumentParser
import Foundation
import GatehouseConfig
import GatehouseServer

/// `gatehouse tenant`: onboarding a customer workspace. Prints what the operator sends the
/// customer's IdP administrator and the configuration to add; the SCIM token is shown once and
/// only its SHA-256 goes into the configuration.
struct Tenant: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Onboard a tenant: its SSO and SCIM values, a SCIM token, the configuration snippet.", subcommands: [Init.self, Token.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new tenant's values, a SCIM token and the configuration to add.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Tenant id: 1 to 63 of a-z, 0-9 and -.") var name: String
        @Option(name: .customLong("domain"), help: "An email domain of the tenant (repeatable).") var domains: [String]

        func validate() throws {
            guard TenantIdentifier.isValid(name) else { throw ValidationError("the tenant id must be 1 to 63 of a-z, 0-9 and -") }
            guard !domains.isEmpty else { throw ValidationError("give at least one --domain") }
        }

        func run() throws {
            let configuration = try options.load()
            if configuration.tenants.contains(where: { $0.id == name }) {
                FileHandle.standardError.write(
                    Data("gatehouse: tenant \"\(name)\" already exists; `gatehouse tenant token \(name)` mints another token\n".utf8))
                throw ExitCode(1)
            }
            let token = SCIMTokenMinting.newToken()
            let base = configuration.publicURL.origin
            let sso = "\(base)\(configuration.ssoPrefix)/saml/\(name)"
            print(
                """
                Tenant \(name): send these to the customer's identity provider administrator.

                  Single Sign-On URL (ACS):     \(sso)/acs
                  Audience URI (SP Entity ID):  \(sso)/metadata
                  SP metadata:                  \(sso)/metadata
                  SCIM connector base URL:      \(base)/scim/v2/\(name)
                  SCIM bearer token:            \(token)
                  Bookmark (sign-in) URL:       \(sso)/login

                The token is shown once: put it in the IdP now. Add this under `tenants:` in the
                configuration and set idp_metadata_url to the customer's IdP metadata URL:

                  - id: \(name)
                    email_domains: [\(domains.map { $0.lowercased() }.joined(separator: ", "))]
                    idp_metadata_url: https://IDP-METADATA-URL
                    allow_idp_initiated: true
                    scim_token_sha256: ["\(SCIMTokenMinting.sha256(of: token))"]
                """)
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mint another SCIM token for a tenant (rotation).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Tenant id.") var name: String

        func run() throws {
            let configuration = try options.load()
            guard configuration.tenants.contains(where: { $0.id == name }) else {
                FileHandle.standardError.write(Data("gatehouse: no tenant \"\(name)\" in the configuration\n".utf8))
                throw ExitCode(1)
            }
            let token = SCIMTokenMinting.newToken()
            print(
                """
                New SCIM bearer token for \(name) (shown once): \(token)

                Add its hash to the tenant's scim_token_sha256 (keep the old one until the IdP uses the new token):
                  "\(SCIMTokenMinting.sha256(of: token))"
                """)
        }
    }
}
