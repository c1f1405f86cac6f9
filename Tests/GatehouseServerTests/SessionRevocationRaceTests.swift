import Foundation
import GatehouseConfig
import GatehouseSCIM
import GatehouseSessions
import NIOConcurrencyHelpers
import Testing

@testable import GatehouseServer

/// A deactivation that lands while the same session is being looked up must win: the look-up
/// read the user as active, but must not write that answer back into the cache. Forgetting
/// somebody else meanwhile must not hold the look-up up.
@Suite struct SessionRevocationRaceTests {
    /// A resolver over the test Gatehouse's store whose look-ups call `race` between reading the
    /// store and writing the cache.
    static func resolver(_ gatehouse: TestGatehouse, race: @escaping @Sendable (StoreSessionResolver) async -> Void) throws
        -> StoreSessionResolver
    {
        let store = gatehouse.application.store
        let configuration = try ConfigLoader.load(file: gatehouse.configFile, environment: [:]).get()
        let made = NIOLockedValueBox<StoreSessionResolver?>(nil)
        let resolver = StoreSessionResolver(
            store: store, secrets: SessionSecretsProvider(configured: configuration.session.secret, store: store),
            tokens: IdentityTokenProvider(settings: configuration.jwt, publicOrigin: configuration.publicURL.origin, store: store),
            lifetime: SessionLifetime(configuration.session), now: { Date() },
            afterStoreRead: { if let resolver = made.withLockedValue({ $0 }) { await race(resolver) } })
        made.withLockedValue { $0 = resolver }
        // Nobody feeds this resolver the store's changes: the test stands in for a feed that listens.
        resolver.apply(.resumed)
        return resolver
    }

    /// Signs alice in over the wire; her session cookie's value.
    static func aliceCookie(_ gatehouse: TestGatehouse) async throws -> Substring {
        let landed = try await SignInFlowTests.postResponse(
            gatehouse.ports.proxy, email: "alice@acme.com", inResponseTo: nil, relayState: nil, cookies: [])
        let cookie = try #require(landed.cookie("gatehouse_session"))
        return Substring(cookie.dropFirst("gatehouse_session=".count))
    }

    @Test func aDeactivationDuringALookUpIsNotUndoneByIt() async throws {
        try await SignInFlowTests.withGatehouse { gatehouse in
            let store = gatehouse.application.store
            let value = try await Self.aliceCookie(gatehouse)
            let user = try #require(try await store.user(tenantID: "acme", named: "alice@acme.com"))
            let raced = NIOLockedValueBox(false)
            let resolver = try Self.resolver(gatehouse) { resolver in
                // The first look-up has read alice as active; SCIM deactivates her now.
                guard
                    raced.withLockedValue({ first in
                        defer { first = true }; return !first
                    })
                else { return }
                _ = try? await store.setActive(userID: user.id, active: false, at: Date())
                resolver.forget(userID: user.id)
            }
            #expect(try await resolver.identity(forCookie: value) == nil)
            #expect(resolver.cachedIdentity(forCookie: value) == nil)
            #expect(raced.withLockedValue { $0 })
        }
    }

    /// A logout or an Okta bulk push forgetting others while a look-up runs.
    @Test func forgettingAnotherUserDoesNotHoldUpALookUp() async throws {
        try await SignInFlowTests.withGatehouse { gatehouse in
            let value = try await Self.aliceCookie(gatehouse)
            let resolver = try Self.resolver(gatehouse) { resolver in
                resolver.forget(userID: "someone-else")
                resolver.forget(cookie: "another.cookie")
            }
            #expect(try await resolver.identity(forCookie: value)?.email == "alice@acme.com")
            #expect(resolver.cachedIdentity(forCookie: value)?.email == "alice@acme.com")
        }
    }
}
