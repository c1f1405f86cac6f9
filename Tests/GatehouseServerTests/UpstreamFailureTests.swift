import Glibc
import NIOCore
import NIOPosix
import Testing

@Suite struct UpstreamFailureTests {
    /// A loopback port that refuses connections for as long as the returned socket stays open: it
    /// is bound but never listens, so no other test's server can be given that port meanwhile.
    static func deadPort() throws -> (port: Int, socket: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else { throw CancellationError() }
        return (Int(UInt16(bigEndian: address.sin_port)), fd)
    }

    @Test func aDeadUpstreamGivesA502PageToBrowsersAndJSONToAPIs() async throws {
        let (port, socket) = try Self.deadPort()
        defer { close(socket) }
        // A long connect timeout, so "did not wait for it" is clear even on a loaded machine.
        let yaml = "public_paths: [\"^/\"]\nproxy:\n  connect_timeout: 60s\n"
        try await TestGatehouse.with(extraYAML: yaml, upstreamPort: port, withUpstream: false) { gatehouse in
            let clock = ContinuousClock()
            let started = clock.now
            let page = try await RawHTTP.get(port: gatehouse.ports.proxy, "/x", headers: ["Accept: text/html"])
            #expect(page.status == 502)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            #expect(page.body.contains("The application is not reachable"))
            #expect(page.body.contains(page.header("X-Request-Id") ?? "missing"))
            #expect(clock.now - started < .seconds(30), "a refused connection must not wait for the connect timeout")

            let api = try await RawHTTP.get(port: gatehouse.ports.proxy, "/x", headers: ["Accept: application/json"])
            #expect(api.status == 502)
            #expect(api.body.contains(#""error":"upstream_unavailable""#))
            let metrics = try await RawHTTP.get(port: gatehouse.ports.admin, "/metrics")
            #expect(metrics.body.contains(#"gatehouse_upstream_errors_total{route="upstream",kind="connect"} 2"#))
        }
    }

    @Test func aSlowUpstreamGives504AfterTheReadTimeout() async throws {
        let yaml = "public_paths: [\"^/\"]\nproxy:\n  read_timeout: 300ms\n"
        try await TestGatehouse.with(extraYAML: yaml) { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/slow?ms=5000", headers: ["Accept: application/json"])
            #expect(response.status == 504)
            #expect(response.body.contains("upstream_timeout"))
        }
    }
}

@Suite struct SlowUploadTests {
    @Test func aSlowUploadIsNotAnUpstreamTimeout() async throws {
        // 2 s: the upstream's answer after the last byte must not look late on a loaded machine.
        let yaml = "public_paths: [\"^/upload$\"]\nproxy:\n  read_timeout: 2s\n"
        try await TestGatehouse.with(extraYAML: yaml) { gatehouse in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: gatehouse.ports.proxy) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            let response = try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(
                    ByteBuffer(string: "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello"))
                // The upstream hears nothing for longer than read_timeout while the body trickles in.
                try await Task.sleep(for: .milliseconds(4500))
                try await outbound.write(ByteBuffer(string: "world"))
                var received = ByteBuffer()
                for try await chunk in inbound {
                    var chunk = chunk
                    received.writeBuffer(&chunk)
                }
                return RawResponse(String(buffer: received))
            }
            #expect(response.status == 200)
            #expect(response.body.contains(#""body_bytes":10"#))
        }
    }
}
