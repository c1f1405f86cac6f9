import ArgumentParser
import Foundation
import GatehouseConfig
import GatehouseServer

/// `gatehouse`: argument parsing only; everything else lives in the library modules.
@main
struct GatehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "SAML sign-in, sessions, SCIM provisioning and an identity-aware reverse proxy in one binary.",
        version: GatehouseVersion.string,
        subcommands: [
            Serve.self, CheckConfig.self, ConfigReferenceCommand.self, Tenant.self, Users.self, Audit.self, StoreCommand.self, DevIdP.self,
            Version.self,
        ]
    )
}

enum GatehouseVersion {
    static let string = "0.1.0"
}

/// Options every command that reads configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "YAML configuration file (or GATEHOUSE_CONFIG).")
    var config: String?

    var file: String? { config ?? ProcessInfo.processInfo.environment["GATEHOUSE_CONFIG"] }

    /// Loads the configuration or prints every problem and exits 1.
    func load() throws -> GatehouseConfiguration {
        switch ConfigLoader.load(file: file, environment: ProcessInfo.processInfo.environment) {
        case .success(let configuration):
            return configuration
        case .failure(let problems):
            FileHandle.standardError.write(Data("gatehouse: \(problems)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the proxy, sign-in, SCIM and admin listeners.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let ran = await GatehouseProcessRun.serve(
            configuration: configuration, configFile: options.file, environment: ProcessInfo.processInfo.environment, version: GatehouseVersion.string
        )
        guard ran else { throw ExitCode(1) }
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and list every problem (exit 1 if any)."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        print("configuration is valid: \(configuration.tenants.count) tenant(s), upstream \(configuration.upstream)")
    }
}

struct ConfigReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-reference",
        abstract: "Print the configuration reference (Markdown: every key, its environment variable, default and meaning)."
    )

    func run() throws {
        print(ConfigReference.markdown(), terminator: "")
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and the linked XML security library.")

    func run() throws {
        print("gatehouse \(GatehouseVersion.string)")
        print("xmlsec \(GatehouseProcessRun.xmlsecVersion)")
    }
}
