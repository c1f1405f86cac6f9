import Foundation
import GatehouseSCIM
import NIOConcurrencyHelpers
import Testing

/// Session timeouts over real sockets with an injected clock, and the cookie's attributes on https.
@Suite struct SessionTimeoutTests {
    final class Clock: Sendable {
        private let offset = NIOLockedValueBox<TimeInterval>(0)
        /// Real time plus whatever the test advanced: the Python IdP signs with real time.
        var now: Date { Date().addingTimeInterval(offset.withLockedValue { $0 }) }
        func advance(_ seconds: TimeInterval) { offset.withLockedValue { $0 += seconds } }
    }

    static let timeouts = "  idle_timeout: 30m\n  absolute_timeout: 2h\n"

    static func withSignedIn(clock: Clock, _ body: (TestGatehouse, String) async throws -> Void) async throws {
        let yaml = SignInFlowTests.yaml().replacingOccurrences(of: "session:\n", with: "session:\n" + timeouts)
        try await TestGatehouse.with(extraYAML: yaml, clock: { clock.now }) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "acme", userName: "alice@acme.com", email: "alice@acme.com", role: "ANALYST", createdAt: Date()))
            try await body(gatehouse, try await SignedInProxyTests.signIn(gatehouse))
        }
    }

    @Test func anIdleSessionEnds() async throws {
        let clock = Clock()
        try await Self.withSignedIn(clock: clock) { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            clock.advance(29 * 60)
            let status1 = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status
            #expect(status1 == 200)
            // Activity moved the idle deadline: 29 more minutes are fine, 31 without a request are not.
            clock.advance(29 * 60)
            let status2 = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status
            #expect(status2 == 200)
            clock.advance(31 * 60)
            let status3 = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status
            #expect(status3 == 302)
        }
    }

    @Test func theAbsoluteTimeoutEndsEvenAnActiveSession() async throws {
        let clock = Clock()
        try await Self.withSignedIn(clock: clock) { gatehouse, cookie in
            let port = gatehouse.ports.proxy
            for _ in 0..<4 {
                clock.advance(25 * 60)
                let status4 = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status
                #expect(status4 == 200)
            }
            clock.advance(25 * 60)  // 125 minutes after sign-in
            let status5 = try await RawHTTP.get(port: port, "/echo", headers: ["Cookie: \(cookie)"]).status
            #expect(status5 == 302)
        }
    }

    @Test func onHTTPSTheSessionCookieIsSecure() async throws {
        try await TestGatehouse.with(extraYAML: SignInFlowTests.yaml(jit: true), publicURL: "https://dash.test") { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            let response = try PythonIdP.signedResponse(
                email: "alice@acme.com", inResponseTo: nil, acs: "https://dash.test/sso/saml/acme/acs",
                audience: "https://dash.test/sso/saml/acme/metadata",
                now: Date())
            let landed = try await RawHTTP.postToACS(port: gatehouse.ports.proxy, "/sso/saml/acme/acs", fields: [("SAMLResponse", response)])
            #expect(landed.status == 303)
            let cookie = try #require(landed.setCookie("__Host-gatehouse_session"))
            #expect(cookie.contains("; Secure"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
        }
    }
}
