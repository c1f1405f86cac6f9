import Foundation
import GatehouseDevIdP
import Hummingbird
import Logging

/// `gatehouse dev-idp` as the CLI starts it: the development IdP on its own listener, after a
/// warning on standard error that it is for development only.
public enum DevIdPLauncher {
    /// - Parameters:
    ///   - publicURL: how browsers reach the IdP; nil: `http://HOST:PORT`.
    ///   - gatehouseURL: Gatehouse's public URL; `tenant`'s ACS and Audience follow from it.
    public static func run(host: String, port: Int, publicURL: String?, gatehouseURL: String, tenant: String, suggestions: [String]) async throws {
        let warning = """
            ************************************************************************
            *  gatehouse dev-idp: DEVELOPMENT ONLY. Anyone can sign in as anyone. *
            *  Never point a production Gatehouse at it.                           *
            ************************************************************************

            """
        FileHandle.standardError.write(Data(warning.utf8))
        let base = publicURL ?? "http://\(host):\(port)"
        let idp = try DevIdentityProvider(baseURL: base, gatehouseURL: gatehouseURL, tenant: tenant, suggestions: suggestions)
        FileHandle.standardError.write(Data("dev-idp metadata: \(base)/metadata (tenant \(tenant) at \(gatehouseURL))\n".utf8))
        var logger = Logger(label: "dev-idp")
        logger.logLevel = .warning
        let app = Application(router: idp.router(), configuration: ApplicationConfiguration(address: .hostname(host, port: port)), logger: logger)
        try await app.runService()
    }
}
