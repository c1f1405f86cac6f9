import GatehouseConfig
import GatehouseSAML
import GatehouseSCIM
import GatehouseSQLite
import GatehouseSessions
import GatehouseStore

/// The store as the server uses it: what every backend shares, and each domain's port (the
/// directory, sessions, the SAML replay cache). Every backend implements all of them.
public typealias ServerStore = Store & DirectoryStore & SessionStore & AssertionReplayCache

/// Opens the configured store and applies its migrations.
public enum StoreFactory {
    public static func open(_ location: StoreLocation) throws -> any ServerStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteStore(path: path)
        case .postgres:
            throw StoreError(.unsupportedBackend, context: "the PostgreSQL store is not built yet; use sqlite:PATH")
        }
    }
}
