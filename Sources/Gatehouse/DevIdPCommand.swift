import ArgumentParser
import Foundation
import GatehouseServer
import Hummingbird
import Logging

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
        let host = String(parts[0])
        let warning = """
            ************************************************************************
            *  gatehouse dev-idp: DEVELOPMENT ONLY. Anyone can sign in as anyone. *
            *  Never point a production Gatehouse at it.                           *
            ************************************************************************

            """
        FileHandle.standardError.write(Data(warning.utf8))
        let base = publicURL ?? "http://\(host):\(port)"
        let idp = try DevIdentityProvider(baseURL: base, gatehouseURL: gatehouse, tenant: tenant, suggestions: users)
        FileHandle.standardError.write(Data("dev-idp metadata: \(base)/metadata (tenant \(tenant) at \(gatehouse))\n".utf8))
        var logger = Logger(label: "dev-idp")
        logger.logLevel = .warning
        let app = Application(router: idp.router(), configuration: ApplicationConfiguration(address: .hostname(host, port: port)), logger: logger)
        try await app.runService()
    }
}
