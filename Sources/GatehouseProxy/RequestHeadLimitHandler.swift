import NIOCore
import NIOHTTP1

/// Refuses a request head over the front listener's limits, then closes the connection:
/// a request target over `max_uri_bytes` is a 414, more than `max_header_count` fields or more
/// than `max_header_bytes` of header names and values a 431, and so is a head so far over them
/// that the parser's hard bound (`FrontConnectionLimits.decoderLimits`) stopped it (which
/// `HTTPServerProtocolErrorHandler`, after this handler, would otherwise answer 400).
///
/// Sits between the HTTP decoder and the protocol error handler. Per request it sums the header
/// lengths of the head once (no allocation); per part it is a switch.
final class RequestHeadLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private struct Refusal {
        var limit: FrontLimit
        var status: HTTPResponseStatus
        var detail: String
    }

    private let limits: FrontConnectionLimits
    private let observer: ProxyObserver
    private var upgradeWatch = FrontUpgradeWatch()
    /// Requests passed on whose response has not ended: a refusal waits for their answers.
    private var responsesOwed = 0
    /// Once refused, nothing more from this client is read or answered.
    private var refused = false
    private var pendingRefusal: Refusal?

    init(limits: FrontConnectionLimits, observer: ProxyObserver) {
        self.limits = limits
        self.observer = observer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if case .head(let head) = unwrapInboundIn(data) {
            if let refusal = check(head) { return refuse(refusal, context: context) }
            upgradeWatch.requestHead(head)
            responsesOwed += 1
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // After a refusal the decoder reports every further read as an error: already handled.
        guard !refused else { return }
        if let parserError = error as? HTTPParserError, case .headerOverflow = parserError {
            let detail =
                "request head over the parser's bound (\(limits.maxHeaderBytes + limits.maxURIBytes) bytes or \(2 * limits.maxHeaderCount) fields)"
            return refuse(Refusal(limit: .headOverflow, status: .requestHeaderFieldsTooLarge, detail: detail), context: context)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        let endsHTTP = upgradeWatch.responsePartEndsHTTP(part)
        context.write(data, promise: promise)
        guard case .end = part else { return }
        responsesOwed = max(0, responsesOwed - 1)
        if endsHTTP {
            // The connection is upgraded (WebSocket): no HTTP request head will come again.
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } else if responsesOwed == 0, let pendingRefusal {
            self.pendingRefusal = nil
            send(pendingRefusal, context: context)
        }
    }

    private func check(_ head: HTTPRequestHead) -> Refusal? {
        let uriBytes = head.uri.utf8.count
        if uriBytes > limits.maxURIBytes {
            return Refusal(limit: .uriBytes, status: .uriTooLong, detail: "request target of \(uriBytes) bytes, over \(limits.maxURIBytes)")
        }
        if head.headers.count > limits.maxHeaderCount {
            return Refusal(
                limit: .headerCount, status: .requestHeaderFieldsTooLarge,
                detail: "\(head.headers.count) header fields, over \(limits.maxHeaderCount)")
        }
        var headerBytes = 0
        for (name, value) in head.headers { headerBytes += name.utf8.count + value.utf8.count }
        if headerBytes > limits.maxHeaderBytes {
            return Refusal(
                limit: .headerBytes, status: .requestHeaderFieldsTooLarge,
                detail: "\(headerBytes) bytes of header names and values, over \(limits.maxHeaderBytes)")
        }
        return nil
    }

    private func refuse(_ refusal: Refusal, context: ChannelHandlerContext) {
        refused = true
        observer.frontLimitReached(FrontLimitEvent(limit: refusal.limit, peer: context.channel.remoteAddress?.ipAddress, detail: refusal.detail))
        if responsesOwed > 0 {
            // An earlier pipelined request is still being answered: refuse once it is done.
            pendingRefusal = refusal
        } else {
            send(refusal, context: context)
        }
    }

    private func send(_ refusal: Refusal, context: ChannelHandlerContext) {
        let body = refusal.status == .uriTooLong ? "URI Too Long\n" : "Request Header Fields Too Large\n"
        let headers = HTTPHeaders([
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", String(body.utf8.count)), ("Connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: refusal.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in LingeringClose.begin(channel) }
    }
}
