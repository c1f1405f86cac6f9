import NIOCore
import NIOHTTP1

/// The exchange currently using an upstream connection: the front side of one request.
protocol UpstreamConnectionDelegate: AnyObject {
    var frontIsWritable: Bool { get }
    /// Whether the request body is still being sent (the upstream may rightly say nothing yet).
    var isSendingRequest: Bool { get }
    func upstreamReceived(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamBecameWritable()
    func upstreamFailed(_ failure: UpstreamFailure)
}

/// The last handler of a pooled upstream channel. It passes response parts to the exchange that
/// holds it, and holds back reads while the client is slower than the upstream (backpressure).
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    weak var delegate: UpstreamConnectionDelegate?
    weak var pool: UpstreamPool?
    private var context: ChannelHandlerContext?
    private var readPending = false
    private let readTimeout: TimeAmount
    /// Set when a read timeout was let pass because the body was still going up; then the
    /// upstream gets a whole `readTimeout` from the end of the request, not what is left of a
    /// timer that started while the client was still sending.
    private var waitedForSlowBody = false
    private var slowBodyEndedAt: NIODeadline?

    init(readTimeout: TimeAmount) {
        self.readTimeout = readTimeout
    }

    var channel: Channel? { context?.channel }
    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func write(_ part: HTTPClientRequestPart) {
        if waitedForSlowBody, case .end = part {
            waitedForSlowBody = false
            slowBodyEndedAt = .now()
        }
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() { context?.flush() }

    func close() { context?.close(promise: nil) }

    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        slowBodyEndedAt = nil
        guard let delegate else {
            // Bytes on an idle connection: the upstream is confused; never reuse it.
            context.close(promise: nil)
            return
        }
        delegate.upstreamReceived(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if let delegate, !delegate.frontIsWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { delegate?.upstreamBecameWritable() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Silence while the body is still going up is not a timeout; the handler fires again later.
            if delegate?.isSendingRequest == true {
                waitedForSlowBody = true
                return
            }
            // The handler fires again within readTimeout, so silence is judged from the body's end.
            if let ended = slowBodyEndedAt, NIODeadline.now() - ended < readTimeout { return }
            slowBodyEndedAt = nil
            let delegate = self.delegate
            self.delegate = nil
            delegate?.upstreamFailed(.readTimeout)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pool?.discard(self)
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(.closed)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // The exchange hears of it now: an error raised inside a write (the header validator
        // refusing a value) must not wait for a close that comes later, if at all.
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(.closed)
        context.close(promise: nil)
    }
}
