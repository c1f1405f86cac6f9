import Testing

@Suite struct AdminListenerTests {
    @Test func healthReadinessAndMetricsAnswerOnTheAdminPort() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\"]\n") { gatehouse in
            let health = try await RawHTTP.get(port: gatehouse.ports.admin, "/healthz")
            #expect(health.status == 200)
            let ready = try await RawHTTP.get(port: gatehouse.ports.admin, "/readyz")
            #expect(ready.status == 200)
            #expect(ready.body == "ready\n")

            _ = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/a")
            _ = try await RawHTTP.get(port: gatehouse.ports.proxy, "/private")
            let metrics = try await RawHTTP.get(port: gatehouse.ports.admin, "/metrics").body
            #expect(metrics.contains(#"gatehouse_http_requests_total{route="upstream",status="200"} 1"#))
            #expect(metrics.contains(#"gatehouse_http_requests_total{route="gate",status="302"} 1"#))
            #expect(metrics.contains(#"gatehouse_http_request_duration_seconds_count{route="upstream"} 1"#))
            #expect(metrics.contains("gatehouse_http_in_flight_requests 0"))
            // The admin paths are not served on the proxy port.
            let metricsOnProxyPort = try await RawHTTP.get(port: gatehouse.ports.proxy, "/metrics")
            #expect(metricsOnProxyPort.status == 302)
        }
    }

    @Test func readinessFailsWhenTheStoreIsGone() async throws {
        try await TestGatehouse.with { gatehouse in
            try await gatehouse.application.store.close()
            let ready = try await RawHTTP.get(port: gatehouse.ports.admin, "/readyz")
            #expect(ready.status == 503)
        }
    }
}
