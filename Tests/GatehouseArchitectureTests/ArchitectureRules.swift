/// The arrows no picture may allow: checked in code, so editing `docs/architecture.md` cannot
/// make them legal.
enum ArchitectureRules {
    /// Domain and foundation modules: no HTTP server, no NIO, no database, no backend.
    static let domain: Set<String> = [
        "GatehouseBasics", "GatehouseXML", "GatehouseSAML", "GatehouseSCIM", "GatehouseSessions", "GatehouseSignIn", "GatehouseConfig",
        "GatehouseStore", "GatehouseStoreTesting",
    ]
    static let backends: Set<String> = ["GatehouseSQLite", "GatehousePostgres"]
    /// Modules the proxy must not know: it is handed application routes instead.
    static let notForTheProxy: Set<String> = [
        "GatehouseSCIM", "GatehouseSAML", "GatehouseSessions", "GatehouseSignIn", "GatehouseStore", "GatehouseServer", "GatehouseXML",
    ]
    /// The CLI parses arguments and calls Server.
    static let cliMayImport: Set<String> = ["GatehouseServer", "GatehouseConfig", "ArgumentParser"]

    /// HTTP, NIO, HTTP client and database modules.
    static func isInfrastructure(_ module: String) -> Bool {
        module.hasPrefix("NIO") || module.hasPrefix("Hummingbird") || module.hasPrefix("HTTPTypes") || module == "AsyncHTTPClient"
            || module == "GRDB" || module.hasPrefix("Postgres") || module == "SQLiteNIO"
    }

    /// Why `module` may not import `imported`, or nil when no rule forbids it.
    static func violation(_ module: String, imports imported: String) -> String? {
        if domain.contains(module) && isInfrastructure(imported) { return "a domain module imports HTTP/NIO/database module \(imported)" }
        if domain.contains(module) && (backends.contains(imported) || imported == "GatehouseServer" || imported == "GatehouseProxy") {
            return "a domain module imports \(imported)"
        }
        if backends.contains(imported) && !(module == "GatehouseServer" || module.hasSuffix("Tests")) {
            return "only Server's wiring and tests may open a backend"
        }
        if module == "GatehouseProxy" && notForTheProxy.contains(imported) { return "the proxy imports \(imported)" }
        if module == "Gatehouse" && !cliMayImport.union(ArchitecturePicture.system).contains(imported) {
            return "the CLI imports \(imported) (it may import Server and Config only)"
        }
        if imported == "CXMLSec" && !(module == "GatehouseXML" || module == "CXMLSecShim") { return "only GatehouseXML may touch libxmlsec" }
        if imported == "CXMLSecShim" && !(module == "GatehouseXML" || module == "GatehouseXMLTests") {
            return "only GatehouseXML may touch libxmlsec"
        }
        if imported == "X509" && !(module == "GatehouseDevIdP" || module.hasSuffix("Tests")) { return "X509 belongs to the dev IdP" }
        return nil
    }
}
