import NIOCore
import NIOPosix
import Testing

/// `proxy.max_connections`: beyond it a connection gets a 503 and is closed; a place freed by a
/// closed connection is taken again.
@Suite struct ConnectionCapTests {
    @Test func connectionsOverTheCapGet503AndAreClosed() async throws {
        let logs = try FileLogSink()
        let yaml = "public_paths: [\"^/public/\"]\nproxy:\n  max_connections: 3\n"
        try await TestGatehouse.with(extraYAML: yaml, sink: logs.sink) { gatehouse in
            let port = gatehouse.ports.proxy
            // Three keep-alive connections hold every place; each is answered once, so it surely was admitted.
            var held: [Channel] = []
            for _ in 0..<3 {
                let record = SlowConnectionRecord()
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RecordingHandler(record: record)) }
                    }
                    .connect(host: "127.0.0.1", port: port).get()
                try await channel.writeAndFlush(ByteBuffer(string: "GET /public/held HTTP/1.1\r\nHost: x\r\n\r\n"))
                for _ in 0..<500 where !record.received.contains("\r\n\r\n") { try await Task.sleep(for: .milliseconds(10)) }
                #expect(record.received.hasPrefix("HTTP/1.1 200 OK"))
                held.append(channel)
            }
            // The 503 comes at once, before any request (one sent now could race the close).
            let refused = RawResponse(try await RawConnection.with(port: port) { try await $0.readToEnd() })
            #expect(refused.status == 503)
            #expect(refused.header("connection") == "close")
            #expect(refused.header("retry-after") == "1")
            let second = RawResponse(try await RawConnection.with(port: port) { try await $0.readToEnd() })
            #expect(second.status == 503)
            #expect(gatehouse.frontLimitHits(.maxConnections) == 2)
            // Rate-limited: the first refusal is logged, the second within 10 s is only counted.
            let lines = try logs.lines(containing: "max_connections")
            #expect(lines.count == 1)
            #expect(lines.first?.contains("3 connections open already") == true)

            // Closing one frees its place (the server notices the close asynchronously).
            try await held.removeFirst().close()
            var status = 0
            for _ in 0..<200 {
                status = (try? await RawHTTP.get(port: port, "/public/x"))?.status ?? 0
                if status == 200 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(status == 200)
            for channel in held { try await channel.close() }
        }
    }
}
