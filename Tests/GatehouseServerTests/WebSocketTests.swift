import NIOCore
import NIOPosix
import Testing

@Suite struct WebSocketTests {
    @Test func aWebSocketUpgradePassesThroughAndEchoes() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/ws$\"]\n") { gatehouse in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: gatehouse.ports.proxy) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            try await channel.executeThenClose { inbound, outbound in
                let handshake = [
                    "GET /ws HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "", "",
                ].joined(separator: "\r\n")
                try await outbound.write(ByteBuffer(string: handshake))
                var iterator = inbound.makeAsyncIterator()
                var received = ByteBuffer()
                while !String(buffer: received).contains("\r\n\r\n") {
                    guard var chunk = try await iterator.next() else { break }
                    received.writeBuffer(&chunk)
                }
                let text = String(buffer: received)
                let headEnd = text.range(of: "\r\n\r\n")!
                let head = String(text[..<headEnd.lowerBound])
                #expect(head.hasPrefix("HTTP/1.1 101"))
                #expect(head.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="))
                received.moveReaderIndex(forwardBy: text.utf8.distance(from: text.startIndex, to: headEnd.upperBound))

                for message in ["hello through gatehouse", String(repeating: "x", count: 100)] {
                    try await outbound.write(Self.maskedTextFrame(message))
                    while received.readableBytes < 2 + message.utf8.count {
                        guard var chunk = try await iterator.next() else { break }
                        received.writeBuffer(&chunk)
                    }
                    let opcode = received.readInteger(as: UInt8.self)
                    let length = received.readInteger(as: UInt8.self)
                    #expect(opcode == 0x81)
                    #expect(Int(length ?? 0) == message.utf8.count)
                    #expect(received.readString(length: message.utf8.count) == message)
                }
            }
        }
    }

    /// A client frame: FIN + text, masked as RFC 6455 requires of clients; payload under 126 bytes.
    static func maskedTextFrame(_ text: String) -> ByteBuffer {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        var frame = ByteBuffer()
        frame.writeInteger(UInt8(0x81))
        frame.writeInteger(UInt8(0x80 | payload.count))
        frame.writeBytes(mask)
        frame.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        return frame
    }
}
