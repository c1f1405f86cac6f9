import ArgumentParser
import Foundation
import GatehouseServer

/// `gatehouse dev-idp`: a local SAML IdP for development and demos. Never for production.
struct DevIdP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-idp", abstract: "Run a local SAML IdP for development (anyone signs in as anyone; never for production)."
    )

    @Option(help: "Where to listen (loopback unless you mean otherwise).") var listen = "127.0.0.1:8081"
    @Option(help: "Gatehouse's public URL.") var gatehouse = "http://127.0.0.1:8080"
    @Option(help: "The Gatehouse tenant this IdP signs in to.") var tenant = "dev"
    @Option(name: .customLong("user"), help: "An email offered on the sign-in page (repeatable).")
    var users: [String] = ["admin@dev.example", "analyst@dev.example"]
    @Option(name: .customLong("public-url"), help: "How browsers reach this IdP, when not as http://LISTEN (a name, a TLS proxy).")
    var publicURL: String?

    func run() async throws {
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen must be HOST:PORT") }
        try await DevIdPLauncher.run(
            host: String(parts[0]), port: port, publicURL: publicURL, gatehouseURL: gatehouse, tenant: tenant, suggestions: users)
    }
}
