import Testing

@Suite struct UpstreamPoolTests {
    @Test func sequentialRequestsReuseOneKeepAliveUpstreamConnection() async throws {
        // One event loop, so every client connection draws from the same pool.
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\"]\nproxy:\n  threads: 1\n") { gatehouse in
            for index in 0..<5 {
                let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/\(index)")
                #expect(response.status == 200)
            }
            #expect(gatehouse.upstream?.connectionsAccepted == 1)
        }
    }

    @Test func withNoIdleConnectionsKeptEachRequestConnectsAnew() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\"]\nproxy:\n  threads: 1\n  max_idle_connections: 0\n") { gatehouse in
            for index in 0..<3 {
                let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/public/\(index)")
                #expect(response.status == 200)
            }
            #expect(gatehouse.upstream?.connectionsAccepted == 3)
        }
    }
}
