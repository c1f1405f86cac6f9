import NIOCore
import NIOPosix

/// One client connection kept open across several sends and reads, for tests of what a
/// connection gets over time (timeouts, keep-alive, limits).
struct RawConnection {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    /// Bytes read but not yet returned.
    private var pending = ByteBuffer()

    /// Connects to 127.0.0.1:`port`, runs `body`, closes.
    static func with<T>(port: Int, _ body: (inout RawConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = RawConnection(outbound: outbound, inbound: inbound.makeAsyncIterator())
            return try await body(&connection)
        }
    }

    func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    func send(_ bytes: ByteBuffer) async throws {
        try await outbound.write(bytes)
    }

    /// One whole response (head, and a body framed by Content-Length), or nil if the server closed first.
    mutating func readResponse() async throws -> RawResponse? {
        while true {
            let text = String(buffer: pending)
            if let headEnd = text.range(of: "\r\n\r\n") {
                let head = RawResponse(String(text[..<headEnd.lowerBound]))
                let headBytes = text.utf8.distance(from: text.startIndex, to: headEnd.upperBound)
                let length = Int(head.header("content-length") ?? "0") ?? 0
                if pending.readableBytes >= headBytes + length {
                    let whole = pending.readString(length: headBytes + length) ?? ""
                    return RawResponse(whole)
                }
            }
            guard var chunk = try await inbound.next() else { return nil }
            pending.writeBuffer(&chunk)
        }
    }

    /// Everything until the server closes.
    mutating func readToEnd() async throws -> String {
        while var chunk = try await inbound.next() { pending.writeBuffer(&chunk) }
        defer { pending.clear() }
        return String(buffer: pending)
    }

    /// The next bytes as they come (nil at the end).
    mutating func readChunk() async throws -> ByteBuffer? {
        if pending.readableBytes > 0 {
            defer { pending.clear() }
            return pending
        }
        return try await inbound.next()
    }
}
