import Crypto
import Foundation
import GatehouseSessions
import GatehouseStore

/// The session secret: `session.secret` when configured, otherwise one generated once and kept in
/// the store (replicas sharing a store share it, even when they start together; several replicas
/// should still configure one).
actor SessionSecretsProvider {
    private let configured: String?
    private let store: any Store
    private var resolved: SessionSecrets?
    static let storeKey = "session_secret"

    init(configured: String?, store: any Store) {
        self.configured = configured
        self.store = store
    }

    func secrets() async throws -> SessionSecrets {
        if let resolved { return resolved }
        let secret: [UInt8]
        if let configured {
            secret = Array(configured.utf8)
        } else {
            secret = try await store.sharedSetting(
                Self.storeKey, isUsable: { $0.count >= 32 }, generate: { SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) } })
        }
        let secrets = SessionSecrets(secret: secret)
        resolved = secrets
        return secrets
    }
}
