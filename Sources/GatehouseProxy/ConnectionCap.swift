import NIOConcurrencyHelpers
import NIOCore

/// Counts open front connections against `proxy.max_connections`. Shared by every event loop:
/// one uncontended lock taken when a connection is accepted and once when it closes.
final class ConnectionCap: Sendable {
    private let maximum: Int
    private let open = NIOLockedValueBox(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Front connections open now.

    /// Takes a place for `channel`, given back when it closes; false when all are taken.
    func admit(_ channel: Channel) -> Bool {
        let admitted = open.withLockedValue { open in
            guard open < maximum else { return false }
            open += 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in self.open.withLockedValue { $0 -= 1 } }
        }
        return admitted
    }
}

/// The whole pipeline of a connection over the cap: a fixed 503 as soon as it is active, then close.
/// What the client sends is read only to be dropped (see `LingeringClose`), never parsed.
final class OverCapacityHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let response = ByteBuffer(
        string: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n")

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(Self.response)).whenComplete { _ in LingeringClose.begin(channel, linger: .seconds(1)) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
