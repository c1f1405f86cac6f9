import Foundation
import GatehouseConfig
import GatehouseSessions
import GatehouseStore
import NIOConcurrencyHelpers
import Testing

@testable import GatehouseServer

/// A deactivation that lands while the same session is being looked up must win: the look-up
/// read the user as active, but must not write that answer back into the cache.
@Suite struct SessionRevocationRaceTests {
    @Test func aDeactivationDuringALookUpIsNotUndoneByIt() async throws {
        try await SignInFlowTests.withGatehouse { gatehouse in
            let store = gatehouse.application.store
            let landed = try await SignInFlowTests.postResponse(
                gatehouse.ports.proxy, email: "alice@acme.com", inResponseTo: nil, relayState: nil, cookies: [])
            let cookie = try #require(landed.cookie("gatehouse_session"))
            let value = Substring(cookie.dropFirst("gatehouse_session=".count))
            let user = try #require(try await store.user(tenantID: "acme", named: "alice@acme.com"))
            let configuration = try ConfigLoader.load(file: gatehouse.configFile, environment: [:]).get()

            let resolver = NIOLockedValueBox<StoreSessionResolver?>(nil)
            let raced = NIOLockedValueBox(false)
            let made = StoreSessionResolver(
                store: store, secrets: SessionSecretsProvider(configured: configuration.session.secret, store: store),
                tokens: IdentityTokenProvider(settings: configuration.jwt, publicOrigin: configuration.publicURL.origin, store: store),
                lifetime: SessionLifetime(configuration.session), now: { Date() },
                afterStoreRead: {
                    // The first look-up has read alice as active; SCIM deactivates her now.
                    guard
                        raced.withLockedValue({
                            let first = !$0; $0 = true; return first
                        })
                    else { return }
                    _ = try? await store.setActive(userID: user.id, active: false, at: Date())
                    resolver.withLockedValue { $0 }?.forget(userID: user.id)
                })
            resolver.withLockedValue { $0 = made }

            let answer = await made.identity(forCookie: value)
            #expect(answer == nil)
            #expect(made.cachedIdentity(forCookie: value) == nil)
            #expect(raced.withLockedValue { $0 })
        }
    }
}

extension SessionRevocationRaceTests {
    /// Forgetting somebody else (a logout, an Okta bulk push) while a look-up runs neither holds
    /// it up nor keeps it from being cached.
    @Test func forgettingAnotherUserDoesNotHoldUpALookUp() async throws {
        try await SignInFlowTests.withGatehouse { gatehouse in
            let store = gatehouse.application.store
            let landed = try await SignInFlowTests.postResponse(
                gatehouse.ports.proxy, email: "alice@acme.com", inResponseTo: nil, relayState: nil, cookies: [])
            let cookie = try #require(landed.cookie("gatehouse_session"))
            let value = Substring(cookie.dropFirst("gatehouse_session=".count))
            let configuration = try ConfigLoader.load(file: gatehouse.configFile, environment: [:]).get()
            let resolver = NIOLockedValueBox<StoreSessionResolver?>(nil)
            let made = StoreSessionResolver(
                store: store, secrets: SessionSecretsProvider(configured: configuration.session.secret, store: store),
                tokens: IdentityTokenProvider(settings: configuration.jwt, publicOrigin: configuration.publicURL.origin, store: store),
                lifetime: SessionLifetime(configuration.session), now: { Date() },
                afterStoreRead: {
                    resolver.withLockedValue { $0 }?.forget(userID: "someone-else")
                    resolver.withLockedValue { $0 }?.forget(cookie: "another.cookie")
                })
            resolver.withLockedValue { $0 = made }
            #expect(await made.identity(forCookie: value)?.email == "alice@acme.com")
            #expect(made.cachedIdentity(forCookie: value)?.email == "alice@acme.com")
        }
    }
}
