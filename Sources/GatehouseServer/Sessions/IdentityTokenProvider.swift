import Foundation
import GatehouseConfig
import GatehouseSessions
import GatehouseStore

/// The JWT issuer, made on first use: the configured key, or one generated once and kept in the
/// store (replicas sharing a store then share it, even when they start together).
actor IdentityTokenProvider {
    private let settings: JWTSettings
    private let origin: String
    private let store: any Store
    private var issuer: IdentityTokenIssuer?
    static let storeKey = "jwt_signing_key"

    init(settings: JWTSettings, publicOrigin: String, store: any Store) {
        self.settings = settings
        origin = publicOrigin
        self.store = store
    }

    func tokenIssuer() async throws -> IdentityTokenIssuer {
        if let issuer { return issuer }
        let current: String
        if let file = settings.keyFile {
            current = try String(contentsOfFile: file, encoding: .utf8)
        } else {
            let stored = try await store.sharedSetting(
                Self.storeKey, isUsable: { String(validating: $0, as: UTF8.self) != nil },
                generate: { Array(IdentityTokenIssuer.newPrivateKeyPEM().utf8) })
            current = String(decoding: stored, as: UTF8.self)
        }
        let previous = try settings.previousKeyFile.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let made = try await IdentityTokenIssuer(
            currentPEM: current, previousPEM: previous, issuer: settings.issuer ?? origin, audience: settings.audience ?? origin)
        issuer = made
        return made
    }
}
