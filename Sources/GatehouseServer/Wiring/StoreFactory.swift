import Foundation
import GatehouseConfig
import GatehousePostgres
import GatehouseSAML
import GatehouseSCIM
import GatehouseSQLite
import GatehouseSessions
import GatehouseStore
import Logging

/// The store as the server uses it: what every backend shares, each domain's port (the
/// directory, sessions, the SAML replay cache), and the feed of changes other replicas made.
/// Every backend implements all of them.
public typealias ServerStore = Store & DirectoryStore & SessionStore & AssertionReplayCache & SessionChangeFeed

/// Opens the configured store and applies its migrations (unless `migrate` is false).
public enum StoreFactory {
    public static func open(
        _ location: StoreLocation, settings: StoreSettings = StoreSettings(), migrate: Bool = true,
        logger: Logger = Logger(label: "gatehouse.store")
    ) async throws -> any ServerStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteStore(path: path, migrate: migrate)
        case .postgres(_, let url):
            return try await PostgresStore(settings: try connectionSettings(url, settings), logger: logger, migrate: migrate)
        }
    }

    /// The URL's parts with the password from `store_password_file`, else `store_password`
    /// (`GATEHOUSE_STORE_PASSWORD`), else the URL.
    static func connectionSettings(_ url: PostgresURL, _ settings: StoreSettings) throws -> PostgresConnectionSettings {
        var password = url.password
        if let inline = settings.password, !inline.isEmpty { password = inline }
        if let file = settings.passwordFile {
            guard let contents = FileManager.default.contents(atPath: file), let text = String(data: contents, encoding: .utf8) else {
                throw StoreError(.unavailable, context: "store_password_file \(file) cannot be read")
            }
            password = String(text.trimmingCharacters(in: .newlines))
        }
        let tls: PostgresConnectionSettings.TLSMode
        switch url.sslMode {
        case .disable: tls = .disable
        case .require: tls = .require
        case .verifyFull: tls = .verifyFull(rootCertificatePath: url.sslRootCertificate)
        }
        return PostgresConnectionSettings(
            host: url.host, port: url.port, user: url.user, password: password, database: url.database, tls: tls, poolSize: settings.poolSize,
            keptOpen: settings.poolMinimum, timeout: settings.timeout)
    }
}
