import NIOCore
import NIOHTTP1

/// The header read timeout (slowloris) and the idle keep-alive timeout of one front connection.
/// Sits after the HTTP decoder: it sees request heads and ends, the response parts going out, and
/// `channelReadComplete` for every socket read (bytes that completed no head).
///
/// Cost on the hot path: a switch per part and per read; no allocation. One timer per connection
/// is re-armed lazily: a deadline that moves later is only looked at when the timer fires, so a
/// busy keep-alive connection schedules about one task per `idle_timeout`, not one per request.
final class FrontConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: FrontConnectionLimits
    private let observer: ProxyObserver
    private var timeouts: FrontConnectionTimeouts?
    private var upgradeWatch = FrontUpgradeWatch()
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var context: ChannelHandlerContext?
    private var stall = FrontSendStall()
    private var stallTimer: Scheduled<Void>?

    init(limits: FrontConnectionLimits, observer: ProxyObserver) {
        self.limits = limits
        self.observer = observer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            timeouts?.requestHeadReceived()
            upgradeWatch.requestHead(head)
        case .body:
            break
        case .end:
            timeouts?.requestEnded(now: .now())
            arm()
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        stall.writabilityChanged()
        if !context.channel.isWritable { watchSending() }
        context.fireChannelWritabilityChanged()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if timeouts?.watchesBytes == true, timeouts?.bytesArrived(now: .now()) == true { arm() }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        let endsHTTP = upgradeWatch.responsePartEndsHTTP(part)
        guard case .end = part else { return context.write(data, promise: promise) }
        if endsHTTP {
            context.write(data, promise: promise)
            // The connection is upgraded (WebSocket): no HTTP request will come again.
            stop()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        // Idleness starts when the response's last bytes have left, not when they were queued: a
        // slow reader still draining the end of a download is not idle (closing would cut it).
        let sent = promise ?? context.eventLoop.makePromise(of: Void.self)
        stall.endQueued()
        sent.futureResult.assumeIsolated().whenComplete { _ in
            self.stall.endSent()
            self.timeouts?.responseEnded(now: .now())
            self.arm()
        }
        context.write(data, promise: sent)
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        // Still queued after the flush tried the socket: the client is behind (rare; a
        // response that went out whole completed its end's promise inside the flush).
        if stall.endsQueued > 0 { watchSending() }
    }

    // MARK: A client that stopped reading

    /// While bytes wait for the client (the channel is not writable, or a response's end is
    /// queued), a check every `send_timeout` that they are leaving: a client that takes nothing
    /// for that long is closed, where it would otherwise hold the connection (and, behind the
    /// backpressure, an upstream connection) for ever. Armed only then, never per write.
    private func watchSending() {
        guard stallTimer == nil, let context, timeouts != nil else { return }
        stall.start(bufferedBytes: bufferedBytes(context))
        stallTimer = context.eventLoop.assumeIsolated().scheduleTask(in: limits.sendTimeout) { self.stallCheck() }
    }

    private func stallCheck() {
        stallTimer = nil
        guard let context, timeouts != nil else { return }
        let sending = !context.channel.isWritable
        switch stall.check(sending: sending, bufferedBytes: bufferedBytes(context)) {
        case .done:
            return
        case .progressed:
            stallTimer = context.eventLoop.assumeIsolated().scheduleTask(in: limits.sendTimeout) { self.stallCheck() }
        case .stalled:
            stop()
            let peer = context.channel.remoteAddress?.ipAddress
            observer.frontLimitReached(
                FrontLimitEvent(limit: .stalledReader, peer: peer, detail: "the client took no response bytes for \(Self.text(limits.sendTimeout))"))
            context.close(promise: nil)
        }
    }

    /// What NIO holds for the socket (nil when the channel cannot say: never a stall).
    private func bufferedBytes(_ context: ChannelHandlerContext) -> Int? {
        try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)
    }

    // MARK: Timer

    private func start() {
        guard timeouts == nil else { return }
        timeouts = FrontConnectionTimeouts(headerReadTimeout: limits.headerReadTimeout, idleTimeout: limits.idleTimeout, openedAt: .now())
        arm()
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        timeouts = nil
        stallTimer?.cancel()
        stallTimer = nil
    }

    /// Makes sure a timer fires no later than the current deadline.
    private func arm() {
        guard let context, let deadline = timeouts?.deadline else { return }
        if let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.timerFired() }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard let timeouts, let context else { return }
        guard let expiry = timeouts.expired(now: .now()) else { return arm() }
        stop()
        let peer = context.channel.remoteAddress?.ipAddress
        switch expiry {
        case .idle:
            observer.frontLimitReached(FrontLimitEvent(limit: .idleTimeout, peer: peer, detail: "no request for \(Self.text(limits.idleTimeout))"))
            context.close(promise: nil)
        case .headerRead(let bytesSeen):
            let detail =
                bytesSeen
                ? "request head not complete after \(Self.text(limits.headerReadTimeout))"
                : "no request bytes within \(Self.text(limits.headerReadTimeout))"
            observer.frontLimitReached(FrontLimitEvent(limit: .headerReadTimeout, peer: peer, detail: detail))
            guard bytesSeen else { return context.close(promise: nil) }
            // Nothing is being answered (no head came), so a response may start here.
            let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .requestTimeout, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private static func text(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1_000 == 0 ? "\(milliseconds / 1_000)s" : "\(milliseconds)ms"
    }
}
