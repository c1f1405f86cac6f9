import GatehouseConfig

/// `gatehouse store migrate|status` for the CLI: the configured store's migrations, applied or
/// listed, without starting the server.
public enum StoreMaintenanceTool {
    /// The store's backend and where its schema stands.
    public struct Status: Sendable, Equatable {
        public var backend: String
        public var applied: [String]
        /// Known to this build, not applied yet (empty when the schema is current).
        public var pending: [String]
    }

    /// Looks without changing anything (a store that was never migrated lists every migration as pending).
    public static func status(_ configuration: GatehouseConfiguration) async throws -> Status {
        let store = try await StoreFactory.open(configuration.store, settings: configuration.storeSettings.forOneCommand, migrate: false)
        do {
            let applied = try await store.appliedMigrations()
            try await store.close()
            return Status(backend: store.backendName, applied: applied, pending: store.knownMigrations.filter { !applied.contains($0) })
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Applies what is pending (under the backend's lock, so it is safe while replicas start); returns the names applied now.
    public static func migrate(_ configuration: GatehouseConfiguration) async throws -> [String] {
        let store = try await StoreFactory.open(configuration.store, settings: configuration.storeSettings.forOneCommand, migrate: false)
        do {
            let applied = try await store.migrate()
            try await store.close()
            return applied
        } catch {
            try? await store.close()
            throw error
        }
    }
}
