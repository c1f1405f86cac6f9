import Crypto
import Foundation
import GatehouseSAML
import GatehouseSessions
import GatehouseStore

/// The session secret: `session.secret` when configured, otherwise one generated once and kept in
/// the store (replicas sharing a store share it; several replicas should still configure one).
actor SessionSecretsProvider {
    private let configured: String?
    private let store: Store
    private var resolved: SessionSecrets?
    static let storeKey = "session_secret"

    init(configured: String?, store: Store) {
        self.configured = configured
        self.store = store
    }

    func secrets() async throws -> SessionSecrets {
        if let resolved { return resolved }
        let secret: [UInt8]
        if let configured {
            secret = Array(configured.utf8)
        } else if let stored = try await store.setting(Self.storeKey), stored.count >= 32 {
            secret = stored
        } else {
            secret = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            try await store.setSetting(Self.storeKey, value: secret)
        }
        let secrets = SessionSecrets(secret: secret)
        resolved = secrets
        return secrets
    }
}

/// The store as the SAML validator's replay cache: assertion IDs are shared by every replica.
struct StoreReplayCache: AssertionReplayCache {
    let store: Store

    func remember(assertionID: String, tenantID: String, until expiry: Date, now: Date) async throws -> Bool {
        try await store.rememberAssertion(id: assertionID, tenantID: tenantID, until: expiry, now: now)
    }
}
