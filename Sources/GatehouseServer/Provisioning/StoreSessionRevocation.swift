import GatehouseSCIM
import GatehouseSessions

/// The directory's `SessionRevocation` in this process: the session store ends the sessions for
/// every replica, then `forget` drops the proxy's cached view of the user (every replica re-reads
/// within the resolver's recheck interval anyway).
struct StoreSessionRevocation: SessionRevocation {
    let store: any SessionStore
    let forget: @Sendable (String) -> Void

    func endSessions(userID: String) async throws -> Int {
        let ended = try await store.deleteSessions(userID: userID)
        forget(userID)
        return ended
    }

    func userChanged(userID: String) { forget(userID) }
}
