import Foundation
import GatehouseConfig
import GatehouseSessions
import GatehouseStore

/// The JWT issuer, made on first use: the configured key, or one generated once and kept in the
/// store (replicas sharing a store then share it).
actor IdentityTokenProvider {
    private let settings: JWTSettings
    private let origin: String
    private let store: Store
    private var issuer: IdentityTokenIssuer?
    static let storeKey = "jwt_signing_key"

    init(settings: JWTSettings, publicOrigin: String, store: Store) {
        self.settings = settings
        origin = publicOrigin
        self.store = store
    }

    func tokenIssuer() async throws -> IdentityTokenIssuer {
        if let issuer { return issuer }
        let current: String
        if let file = settings.keyFile {
            current = try String(contentsOfFile: file, encoding: .utf8)
        } else if let stored = try await store.setting(Self.storeKey), let pem = String(validating: stored, as: UTF8.self) {
            current = pem
        } else {
            current = IdentityTokenIssuer.newPrivateKeyPEM()
            try await store.setSetting(Self.storeKey, value: Array(current.utf8))
        }
        let previous = try settings.previousKeyFile.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let made = try await IdentityTokenIssuer(
            currentPEM: current, previousPEM: previous, issuer: settings.issuer ?? origin, audience: settings.audience ?? origin)
        issuer = made
        return made
    }
}
