import GatehouseSessions
import Logging
import ServiceLifecycle

/// Hands the store's change feed to the session cache for as long as the process runs: a
/// deactivation, deletion, role change or logout on another replica drops the cached sessions
/// here at once, and a lost feed stops caching until it is back.
struct SessionChangeSubscription: Service {
    let feed: any SessionChangeFeed
    let resolver: StoreSessionResolver
    let logger: Logger

    func run() async throws {
        let changes = feed.sessionChanges()
        await cancelWhenGracefulShutdown {
            for await change in changes {
                switch change {
                case .lost: logger.warning("store.changes_lost", metadata: ["effect": "sessions are read from the store on every request"])
                case .resumed: logger.info("store.changes_resumed")
                case .user: break
                }
                resolver.apply(change)
            }
        }
        // A store of one replica pushes nothing (its feed ends at once); a service that returns
        // would end the whole group, so this one stays until shutdown.
        try? await gracefulShutdown()
    }
}
