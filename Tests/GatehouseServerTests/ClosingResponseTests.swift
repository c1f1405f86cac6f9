import NIOCore
import Testing

/// A response after which the connection ends (the client asked for `Connection: close`, or
/// spoke HTTP/1.0) reaches a reader that is behind whole: the close waits for the bytes still
/// queued for the socket instead of dropping them.
@Suite struct ClosingResponseTests {
    static let paths = "public_paths: [\"^/download$\"]\n"

    @Test(arguments: ["HTTP/1.1\r\nHost: x\r\nConnection: close", "HTTP/1.0\r\nHost: x"])
    func aClosingResponseReachesAReaderThatIsBehindWhole(_ versionAndHeaders: String) async throws {
        try await TestGatehouse.with(extraYAML: Self.paths) { gatehouse in
            // Whether bytes still wait in the proxy when the upstream's body ends depends on how
            // full the socket is at that moment; 16 downloads of different sizes, each by a reader
            // that stalls every MiB, make at least one of them end on a full socket.
            let sizes = (0..<16).map { (8 << 20) + $0 * 37_123 }
            let results = try await withThrowingTaskGroup(of: (size: Int, head: String, body: Int).self) { group in
                for size in sizes {
                    group.addTask {
                        let (head, body) = try await Self.download(size, port: gatehouse.ports.proxy, versionAndHeaders: versionAndHeaders)
                        return (size, head, body)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == sizes.count)
            for result in results {
                #expect(result.head.hasPrefix("HTTP/1.") && result.head.contains(" 200 "))
                #expect(result.body == result.size, "a \(result.size)-byte download")
            }
        }
    }

    /// The response head and the number of body bytes, read with a stall after every MiB.
    static func download(_ size: Int, port: Int, versionAndHeaders: String) async throws -> (head: String, bodyBytes: Int) {
        try await RawConnection.with(port: port) { connection in
            try await connection.send("GET /download?bytes=\(size) \(versionAndHeaders)\r\n\r\n")
            var start = ByteBuffer()
            var received = 0
            while var chunk = try await connection.readChunk() {
                let before = received
                received += chunk.readableBytes
                if start.readableBytes < 4096 { start.writeBuffer(&chunk) }
                // The stall fills every buffer between upstream and reader; the burst after it
                // is what may still be queued in the proxy when the body ends.
                if before >> 20 != received >> 20 { try await Task.sleep(for: .milliseconds(30)) }
            }
            let text = String(buffer: start)
            let headEnd = try #require(text.range(of: "\r\n\r\n"))
            let headLength = text.utf8.distance(from: text.startIndex, to: headEnd.upperBound)
            return (String(text[..<headEnd.lowerBound]), received - headLength)
        }
    }
}
