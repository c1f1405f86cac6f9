import GatehouseConfig
import GatehouseSQLite
import GatehouseStore

/// Opens the configured store and applies its migrations.
public enum StoreFactory {
    public static func open(_ location: StoreLocation) throws -> Store {
        switch location {
        case .sqlite(let path):
            return try SQLiteStore(path: path)
        case .postgres:
            throw StoreError(.unsupportedBackend, context: "the PostgreSQL store is not built yet; use sqlite:PATH")
        }
    }
}
