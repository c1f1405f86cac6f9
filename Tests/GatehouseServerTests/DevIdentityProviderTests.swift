import Foundation
import GatehouseDevIdP
import GatehouseSCIM
import GatehouseServer
import Hummingbird
import NIOConcurrencyHelpers
import Testing

/// `gatehouse dev-idp` end to end: Gatehouse loads its metadata over loopback http, the person
/// picks an email on its page, its signed answer lands on the ACS, the upstream sees the role.
@Suite struct DevIdentityProviderTests {
    static func formValue(_ name: String, in html: String) throws -> String {
        let start = try #require(html.range(of: #"name="\#(name)" value=""#)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    @Test func aNewcomerSignsInThroughTheDevIdP() async throws {
        // The dev IdP's URLs contain its port: bind a free port, then make the IdP for it.
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let box = NIOLockedValueBox<DevIdentityProvider?>(nil)
        let router = Router()
        router.get("/metadata") { _, _ in box.withLockedValue { $0 }!.metadata() }
        router.get("/sso") { request, _ in try box.withLockedValue { $0 }!.signInPage(request) }
        router.post("/sso") { request, _ in try await box.withLockedValue { $0 }!.answer(request) }
        let server = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let serverTask = Task { try await server.runService() }
        var ports = stream.makeAsyncIterator()
        let idpPort = try #require(await ports.next())
        let idp = try DevIdentityProvider(
            baseURL: "http://127.0.0.1:\(idpPort)", gatehouseURL: "http://127.0.0.1:8080", tenant: "dev", suggestions: ["admin@dev.example"])
        box.withLockedValue { $0 = idp }

        let yaml = """
            tenants:
              - id: dev
                email_domains: [dev.example]
                idp_metadata_url: http://127.0.0.1:\(idpPort)/metadata

            """
        try await TestGatehouse.with(extraYAML: yaml) { gatehouse in
            await gatehouse.application.metadataService.refreshDue()
            try await gatehouse.application.store.createUser(
                StoredUser(tenantID: "dev", userName: "admin@dev.example", email: "admin@dev.example", role: "ADMINISTRATOR", createdAt: Date()))
            let start = try await RawHTTP.get(port: gatehouse.ports.proxy, "/sso/saml/dev/login?return_to=%2Fsettings%2F")
            #expect(start.status == 302)
            let location = try #require(start.header("Location"))
            #expect(location.hasPrefix("http://127.0.0.1:\(idpPort)/sso?SAMLRequest="))
            let page = try await RawHTTP.get(port: idpPort, String(location.dropFirst("http://127.0.0.1:\(idpPort)".count)))
            #expect(page.status == 200)
            #expect(page.body.contains("Development only"))
            let answer = try await RawHTTP.postForm(
                port: idpPort, "/sso",
                fields: [
                    ("email", "admin@dev.example"), ("role", "ANALYST"), ("in_response_to", try Self.formValue("in_response_to", in: page.body)),
                    ("relay_state", try Self.formValue("relay_state", in: page.body)),
                ])
            #expect(answer.status == 200)
            #expect(answer.body.contains(#"action="http://127.0.0.1:8080/sso/saml/dev/acs""#))
            let landed = try await RawHTTP.postForm(
                port: gatehouse.ports.proxy, "/sso/saml/dev/acs",
                fields: [
                    ("SAMLResponse", try Self.formValue("SAMLResponse", in: answer.body)),
                    ("RelayState", try Self.formValue("RelayState", in: answer.body)),
                ],
                cookies: start.cookies)
            #expect(landed.status == 303)
            #expect(landed.header("Location") == "/settings/")
            let cookie = try #require(landed.cookie("gatehouse_session"))
            let echoed = try await RawHTTP.get(port: gatehouse.ports.proxy, "/settings/echo", headers: ["Cookie: \(cookie)"])
            #expect(echoed.status == 200)
            #expect(try echoed.upstreamHeader("X-Forwarded-Role") == ["ADMINISTRATOR"])
        }
        serverTask.cancel()
        _ = await serverTask.result
    }
}
