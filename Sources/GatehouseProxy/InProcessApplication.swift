import NIOCore
import NIOHTTP1

/// Gatehouse's own application answered inside the front proxy, without the Unix-socket hop:
/// for routes whose bodies are small and bounded and whose clients send many requests in a row
/// (`ApplicationRoute.Serving.inProcess`). The request arrives whole, after the same header rules
/// as the socket path.
public protocol InProcessApplication: Sendable {
    /// Answers one request; the future may complete on any event loop.
    func respond(to head: HTTPRequestHead, body: ByteBuffer, channel: Channel) -> EventLoopFuture<InProcessResponse>
}

/// A whole response from the in-process application; `head` carries its Content-Length.
public struct InProcessResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: ByteBuffer

    public init(head: HTTPResponseHead, body: ByteBuffer) {
        self.head = head
        self.body = body
    }
}
