import NIOCore

/// Joins two channels byte for byte after a protocol upgrade (WebSocket), with backpressure both
/// ways and closure propagated. Both channels live on the same event loop.
final class GlueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private weak var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false

    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }
    private func partnerFlush() { context?.flush() }
    /// The partner ended: what is still queued for this side leaves first (a half-close waits
    /// for it; a full close would drop the last frames, the close frame among them), then the
    /// connection closes; a peer that has not taken them after `drainLimit` is closed anyway.
    private func partnerClose() {
        guard let channel = context?.channel else { return }
        let limit = channel.eventLoop.scheduleTask(in: Self.drainLimit) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in limit.cancel() }
        channel.closeAfterQueuedBytes()
    }

    static let drainLimit: TimeAmount = .seconds(60)

    private func partnerBecameWritable() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.partnerWrite(data) }
    func channelReadComplete(context: ChannelHandlerContext) { partner?.partnerFlush() }
    func channelInactive(context: ChannelHandlerContext) { partner?.partnerClose() }
    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            partner?.partnerClose()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.isWritable {
            context.read()
        } else {
            readPending = true
        }
    }
}
