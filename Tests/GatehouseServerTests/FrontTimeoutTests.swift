import Foundation
import NIOCore
import Testing

/// `proxy.header_read_timeout` and `proxy.idle_timeout` on live sockets, with short timeouts:
/// what closes, what does not (a request in flight, a WebSocket).
@Suite struct FrontTimeoutTests {
    static let paths = "public_paths: [\"^/public/\", \"^/slow$\", \"^/download$\", \"^/ws$\"]\n"
    /// A short idle timeout. The header read timeout stays long here, so that a loaded machine
    /// (the whole suite runs in parallel) cannot delay a request past it.
    static let short = paths + "proxy:\n  idle_timeout: 300ms\n"

    @Test func aKeepAliveConnectionWithNoRequestIsClosedAfterTheIdleTimeout() async throws {
        let logs = try FileLogSink()
        try await TestGatehouse.with(extraYAML: Self.short, sink: logs.sink) { gatehouse in
            let clock = ContinuousClock()
            let port = gatehouse.ports.proxy
            let (first, rest, waited) = try await within(.seconds(10)) {
                try await RawConnection.with(port: port) { connection in
                    let asked = clock.now
                    try await connection.send("GET /public/a HTTP/1.1\r\nHost: x\r\n\r\n")
                    let first = try await connection.readResponse()
                    return (first, try await connection.readToEnd(), clock.now - asked)
                }
            }
            #expect(first?.status == 200)
            #expect(rest == "")  // closed without a word: nothing was asked
            #expect(waited >= .milliseconds(300))
            #expect(waited < .seconds(10))
            #expect(gatehouse.frontLimitHits(.idleTimeout) == 1)
            // Routine, not a refusal: counted, not logged.
            #expect(try logs.lines(containing: "idle_timeout").isEmpty)
        }
    }

    @Test func aConnectionThatSendsNothingIsClosedSilentlyAfterTheHeaderReadTimeout() async throws {
        let logs = try FileLogSink()
        let yaml = Self.paths + "proxy:\n  header_read_timeout: 300ms\n"
        try await TestGatehouse.with(extraYAML: yaml, sink: logs.sink) { gatehouse in
            let port = gatehouse.ports.proxy
            let rest = try await within(.seconds(10)) { try await RawConnection.with(port: port) { try await $0.readToEnd() } }
            #expect(rest == "")
            #expect(gatehouse.frontLimitHits(.headerReadTimeout) == 1)
            let line = try #require(try logs.lines(containing: "header_read_timeout").first)
            #expect(line.contains("no request bytes within 300ms"))
        }
    }

    @Test func aHeadStartedAfterAnIdlePauseGetsTheHeaderReadTimeoutNotTheIdleOne() async throws {
        // A long idle timeout: only the header read timeout can close this one in time. It is 12 s
        // so that the first request, sent at once, comes before it even on a loaded machine (the
        // whole suite in parallel on two shared cores has delayed a request by more than 5 s).
        let yaml = "public_paths: [\"^/public/\"]\nproxy:\n  header_read_timeout: 12s\n  idle_timeout: 1h\n"
        let logs = try FileLogSink()
        try await TestGatehouse.with(extraYAML: yaml, sink: logs.sink) { gatehouse in
            let port = gatehouse.ports.proxy
            let (first, second, rest) = try await within(.seconds(45)) {
                try await RawConnection.with(port: port) { connection in
                    try await connection.send("GET /public/a HTTP/1.1\r\nHost: x\r\n\r\n")
                    let first = try await connection.readResponse()
                    try await connection.send("GET /public/b HTTP/1.1\r\nHo")
                    return (first, try await connection.readResponse(), try await connection.readToEnd())
                }
            }
            #expect(first?.status == 200)
            #expect(second?.status == 408)
            #expect(second?.header("connection") == "close")
            #expect(rest == "")
            let line = try #require(try logs.lines(containing: "header_read_timeout").first)
            #expect(line.contains("request head not complete after 12s"))
        }
    }

    @Test func aSlowUpstreamIsNotIdleness() async throws {
        try await TestGatehouse.with(extraYAML: Self.short) { gatehouse in
            let response = try await RawHTTP.get(port: gatehouse.ports.proxy, "/slow?ms=1500")
            #expect(response.status == 200)
            #expect(response.body == "slow done\n")
        }
    }

    @Test func aSlowUploadIsNotIdleness() async throws {
        try await TestGatehouse.with(extraYAML: Self.short) { gatehouse in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await RawConnection.with(port: gatehouse.ports.proxy) { connection in
                try await connection.send("POST /public/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n")
                for _ in 0..<10 {
                    // A slow client, on purpose: the whole upload takes five idle timeouts.
                    try await Task.sleep(for: .milliseconds(150))
                    try await connection.send("u")
                }
                return try await connection.readResponse()
            }
            #expect(clock.now - start >= .milliseconds(1500))
            #expect(response?.status == 200)
            #expect(response?.body.contains(#""body_bytes":10"#) == true)
        }
    }

    @Test func aSlowDownloadIsNotIdleness() async throws {
        // 2 s rather than 300 ms: a test process stalled by a loaded machine (the suite on
        // PostgreSQL shares two cores with the database) must not look like a reader that
        // stopped; the slow phase still spans three idle timeouts.
        try await TestGatehouse.with(extraYAML: Self.paths + "proxy:\n  idle_timeout: 2s\n") { gatehouse in
            let total = 32 << 20
            let clock = ContinuousClock()
            let start = clock.now
            let received = try await RawConnection.with(port: gatehouse.ports.proxy) { connection in
                try await connection.send("GET /download?bytes=\(total) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                var received = 0
                while let chunk = try await connection.readChunk() {
                    received += chunk.readableBytes
                    // A slow reader for the first 6 s (the proxy's writes stall on a full socket).
                    if clock.now - start < .seconds(6) { try await Task.sleep(for: .milliseconds(20)) }
                }
                return received
            }
            #expect(clock.now - start >= .seconds(6))
            #expect(received > total)  // the head and every body byte
        }
    }

    @Test(arguments: ["keep-alive", "close"])
    func aReaderThatStopsIsClosedAfterTheSendTimeout(_ connectionHeader: String) async throws {
        let logs = try FileLogSink()
        try await TestGatehouse.with(extraYAML: Self.paths + "proxy:\n  send_timeout: 300ms\n", sink: logs.sink) { gatehouse in
            let total = 256 << 20  // far more than the socket buffers between them hold
            let port = gatehouse.ports.proxy
            let received = try await within(.seconds(60)) {
                try await RawConnection.with(port: port) { connection in
                    try await connection.send("GET /download?bytes=\(total) HTTP/1.1\r\nHost: x\r\nConnection: \(connectionHeader)\r\n\r\n")
                    var received = try await connection.readChunk()?.readableBytes ?? 0
                    // The client stops reading until the proxy has given up on it (its metric,
                    // polled); then takes what the sockets still held.
                    while gatehouse.frontLimitHits(.stalledReader) == 0 { try await Task.sleep(for: .milliseconds(20)) }
                    do {
                        while let chunk = try await connection.readChunk() { received += chunk.readableBytes }
                    } catch {
                        // A reset is an end too.
                    }
                    return received
                }
            }
            #expect(received < total)
            let line = try #require(try logs.lines(containing: "took no response bytes").first)
            #expect(line.contains("300ms"))
        }
    }

    @Test func aWebSocketOutlivesBothTimeouts() async throws {
        try await TestGatehouse.with(extraYAML: Self.short) { gatehouse in
            try await RawConnection.with(port: gatehouse.ports.proxy) { connection in
                let handshake = [
                    "GET /ws HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "", "",
                ].joined(separator: "\r\n")
                try await connection.send(handshake)
                let switched = try await connection.readResponse()
                #expect(switched?.status == 101)
                // Quiet for four idle timeouts: a WebSocket is not an idle HTTP connection.
                try await Task.sleep(for: .milliseconds(1200))
                try await connection.send(WebSocketTests.maskedTextFrame("still here"))
                var echoed = ByteBuffer()
                while echoed.readableBytes < 2 + 10, var chunk = try await connection.readChunk() { echoed.writeBuffer(&chunk) }
                #expect(echoed.getInteger(at: echoed.readerIndex, as: UInt8.self) == 0x81)
                #expect(echoed.getString(at: echoed.readerIndex + 2, length: 10) == "still here")
            }
        }
    }
}
