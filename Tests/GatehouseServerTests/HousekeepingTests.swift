import Foundation
import GatehouseConfig
import GatehouseSCIM
import GatehouseSessions
import Testing

@testable import GatehouseServer

/// The scheduled clean-up on the configured backend: what has expired goes, what is live stays,
/// and a configured tenant's metadata copy is never removed.
@Suite struct HousekeepingTests {
    @Test func expiredSessionsReplayEntriesAndRemovedTenantsMetadataGo() async throws {
        let directory = NSTemporaryDirectory() + "gatehouse-housekeeping-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let yaml = """
            public_url: https://dash.example.com
            upstream: http://127.0.0.1:1
            store: \(TestStore.location(directory: directory))
            \(TestStore.settingsYAML)
            """
        let configuration = try ConfigLoader.parse(yaml: yaml).get()
        let store = try await StoreFactory.open(configuration.store, settings: configuration.storeSettings)
        // Far enough ahead that settings written now are older than the metadata retention.
        let now = Date().addingTimeInterval(31 * 24 * 3600)
        let user = StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: now)
        _ = try await UserAdministration(directory: store, sessions: StoreSessionRevocation(store: store, forget: { _ in })).insert(user)
        func session(_ id: String, lastSeen: Date, expires: Date) -> StoredSession {
            StoredSession(
                idHash: id, userID: user.id, tenantID: "acme", nameID: "alice", sessionIndex: nil, createdAt: now.addingTimeInterval(-7200),
                lastSeenAt: lastSeen, expiresAt: expires)
        }
        try await store.createSession(session("live", lastSeen: now.addingTimeInterval(-60), expires: now.addingTimeInterval(3600)))
        try await store.createSession(session("ended", lastSeen: now.addingTimeInterval(-60), expires: now.addingTimeInterval(-1)))
        try await store.createSession(session("idle", lastSeen: now.addingTimeInterval(-1801), expires: now.addingTimeInterval(3600)))
        #expect(try await store.remember(assertionID: "fresh", tenantID: "acme", until: now.addingTimeInterval(300), now: now))
        // Recorded last, at its own time: SQLite also drops expired entries whenever it records one.
        #expect(try await store.remember(assertionID: "old", tenantID: "acme", until: now.addingTimeInterval(-1), now: now.addingTimeInterval(-600)))
        try await store.setSetting(IdPMetadataService.storeKey("acme"), value: [1])
        try await store.setSetting(IdPMetadataService.storeKey("removed"), value: [2])
        try await store.setSetting("session_secret_like", value: [3])

        let housekeeping = Housekeeping(
            store: store, settings: Housekeeping.Settings(interval: .seconds(300), sessionIdle: 1800, configuredTenants: { ["acme"] }),
            logger: .init(label: "test"), now: { now })
        let outcome = try #require(try await housekeeping.runOnce())
        #expect(outcome == Housekeeping.Outcome(sessions: 2, assertionIDs: 1, metadataCopies: 1))
        #expect(try await store.session(idHash: "live") != nil)
        #expect(try await store.session(idHash: "ended") == nil)
        #expect(try await store.session(idHash: "idle") == nil)
        // The live replay entry still refuses a replay; the configured tenant keeps its copy; other settings stay.
        #expect(try await !store.remember(assertionID: "fresh", tenantID: "acme", until: now.addingTimeInterval(300), now: now))
        #expect(try await store.setting(IdPMetadataService.storeKey("acme")) == [1])
        #expect(try await store.setting(IdPMetadataService.storeKey("removed")) == nil)
        #expect(try await store.setting("session_secret_like") == [3])
        try await store.close()
    }
}
