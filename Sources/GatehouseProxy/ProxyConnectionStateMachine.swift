import NIOHTTP1

/// The state of one front connection and of the request on it, and every decision that depends
/// on it: where a body part goes, when to hold reads, how a response ends the exchange, whether
/// the connection stays open. Pure: each event is a `mutating func` returning what to do, and
/// `ProxyFrontHandler` does it (writes, pool and upstream calls, timers).
///
/// No allocation per request: the state is enums and a few integers; the only buffer is the
/// queue of pipelined parts, kept for the life of the connection.
struct ProxyConnectionStateMachine {
    enum State: Equatable {
        /// Waiting for a request head.
        case idle
        /// One request, from its head to the end of its response.
        case exchange(Exchange)
        /// Answered before the client finished sending and closing: what comes is dropped.
        case lingering
        /// Closed, or handed to the glue handlers after a protocol upgrade.
        case closed
    }

    /// One request's progress.
    struct Exchange: Equatable {
        let method: HTTPMethod
        let version: HTTPVersion
        /// The route class counted and logged; the gate's becomes `.upstream` once it lets a request through.
        var route: RouteClass
        /// Whether the client connection stays open after this response.
        var keepAlive: Bool
        /// The client asked for a protocol upgrade: NIO's decoder reads nothing more of this
        /// connection until it is switched, so any answer other than a 101 ends the connection.
        let asksForUpgrade: Bool
        /// An `Upgrade` went on upstream, so a 101 is an answer (to anything else it is not).
        var upgradeForwarded = false
        var request: Request
        var response = Response.pending
        /// The upstream connection may go back to the pool.
        var upstreamReusable = true
        var bodyBytes = 0
        /// The most body bytes the route takes (nil: streamed on, whatever its size).
        let bodyLimit: Int?

        var isHEAD: Bool { method == .HEAD }
    }

    /// Where the request stands.
    enum Request: Equatable {
        /// Body parts are coming and go to `sink`.
        case receiving(Sink)
        /// An answer is out before the body ended: the rest is read and dropped.
        case discarding
        /// The whole request is in.
        case ended
    }

    /// Where body parts go while they come.
    enum Sink: Equatable {
        /// Kept, reads held, until there is somewhere to send them (a session resolving, an
        /// upstream connecting).
        case held
        /// Written to the upstream connection as they come.
        case upstream
        /// Kept whole (bounded by the route's limit) for the in-process application.
        case collected
    }

    enum Response: Equatable {
        case pending
        /// The head is out with this status.
        case streaming(status: Int)
        /// A 101 is out: at its end both connections stop speaking HTTP.
        case switching
        case ended(status: Int)

        var hasStarted: Bool { self != .pending }
    }

    private(set) var state = State.idle
    /// A read of the client was held back; `resumeReads` says when to issue it.
    private(set) var readHeld = false
    /// Body parts written upstream since the last flush.
    private var upstreamNeedsFlush = false
    /// Parts of pipelined requests that came while an earlier response was still going out.
    /// (NIO's HTTPServerPipelineHandler would instead stop reading during every response, which
    /// costs two epoll_ctl calls per request.)
    private(set) var pipelined: [HTTPServerRequestPart] = []
    static let maximumPipelinedParts = 16

    var exchange: Exchange? {
        if case .exchange(let exchange) = state { return exchange }
        return nil
    }

    /// Whether the request body is still going up (an upstream may rightly say nothing yet).
    var isSendingRequest: Bool {
        if case .exchange(let exchange) = state, case .receiving = exchange.request { return true }
        return false
    }

    // MARK: Client reads

    enum ClientPartAction: Equatable {
        /// Handle it now.
        case receive
        /// Queued behind the request whose response is still going out.
        case queued
        /// The connection is lingering or closed: dropped.
        case drop
    }

    /// A part from the client's decoder.
    mutating func clientSent(_ part: HTTPServerRequestPart) -> ClientPartAction {
        switch state {
        case .lingering, .closed:
            return .drop
        case .exchange(let exchange) where exchange.request == .ended:
            pipelined.append(part)
            return .queued
        case .idle, .exchange:
            if pipelined.isEmpty { return .receive }
            pipelined.append(part)
            return .queued
        }
    }

    /// The next queued part to handle, once nothing holds the queue.
    mutating func nextPipelinedPart() -> HTTPServerRequestPart? {
        switch state {
        case .exchange(let exchange) where exchange.request == .ended: return nil
        case .idle, .exchange: return pipelined.isEmpty ? nil : pipelined.removeFirst()
        case .lingering, .closed: return nil
        }
    }

    enum ReadAction: Equatable {
        case read
        /// Held until `resumeReads`.
        case hold
    }

    /// The channel wants to read the client.
    /// - Parameter upstreamIsWritable: whether the upstream connection in use takes more bytes now.
    mutating func readRequested(upstreamIsWritable: Bool) -> ReadAction {
        if pipelined.count >= Self.maximumPipelinedParts { return hold() }
        guard case .exchange(let exchange) = state else { return .read }
        switch exchange.request {
        case .ended where exchange.asksForUpgrade && exchange.response != .switching:
            // NIO's decoder parses nothing after an upgrade request: reading on would only pile
            // bytes up in its buffer. The 101 (glue takes over) or the close that follows decides.
            return hold()
        case .receiving(.held):
            // Nowhere to put the client's bytes yet.
            return hold()
        case .receiving(.upstream) where !upstreamIsWritable:
            return hold()
        case .receiving, .discarding, .ended:
            return .read
        }
    }

    private mutating func hold() -> ReadAction {
        readHeld = true
        return .hold
    }

    /// Whether a held read is to be issued now (there is room again, or the exchange moved on).
    mutating func resumeReads() -> Bool {
        guard readHeld else { return false }
        readHeld = false
        return true
    }

    /// The client's read is complete, or a queue was worked through: whether to flush upstream.
    mutating func takeUpstreamFlush() -> Bool {
        defer { upstreamNeedsFlush = false }
        return upstreamNeedsFlush
    }

    // MARK: Request

    /// A request head, once routed. `sink` is `.held` while a session resolves or an upstream
    /// connects, `.collected` for an in-process route.
    mutating func requestStarted(
        method: HTTPMethod, version: HTTPVersion, keepAlive: Bool, asksForUpgrade: Bool, route: RouteClass, sink: Sink,
        upgradeForwarded: Bool = false, bodyLimit: Int? = nil
    ) {
        assert(state == .idle, "a request head while another request is in progress")
        state = .exchange(
            Exchange(
                method: method, version: version, route: route, keepAlive: keepAlive, asksForUpgrade: asksForUpgrade,
                upgradeForwarded: upgradeForwarded, request: .receiving(sink), bodyLimit: bodyLimit))
    }

    /// The access gate let a signed-in request through to the upstream.
    mutating func gatePassed(upgradeForwarded: Bool) {
        guard case .exchange(var exchange) = state else { return }
        exchange.route = .upstream
        exchange.upgradeForwarded = upgradeForwarded
        state = .exchange(exchange)
    }

    enum BodyAction: Equatable {
        /// Write it to the upstream connection.
        case write
        /// Keep it with the request's other held parts.
        case buffer
        /// Past the route's limit: answer with the route's 413.
        case tooLarge
        case drop
    }

    mutating func bodyReceived(bytes: Int) -> BodyAction {
        guard case .exchange(var exchange) = state, case .receiving(let sink) = exchange.request else { return .drop }
        exchange.bodyBytes += bytes
        if let limit = exchange.bodyLimit, exchange.bodyBytes > limit, !exchange.response.hasStarted {
            // A chunked body has no declared size: it is cut off where it passes the limit.
            exchange.upstreamReusable = false
            state = .exchange(exchange)
            return .tooLarge
        }
        state = .exchange(exchange)
        switch sink {
        case .upstream:
            upstreamNeedsFlush = true
            return .write
        case .held, .collected:
            return .buffer
        }
    }

    enum EndAction: Equatable {
        case write
        case buffer
        /// Keep it, and hand the whole request to the in-process application.
        case dispatch
        /// The response is already out: the exchange is over.
        case finish(Finish)
        case none
    }

    mutating func requestEnded() -> EndAction {
        guard case .exchange(var exchange) = state else { return .none }
        let previous = exchange.request
        exchange.request = .ended
        state = .exchange(exchange)
        switch previous {
        case .receiving(.upstream):
            upstreamNeedsFlush = true
            return .write
        case .receiving(.held): return .buffer
        case .receiving(.collected): return .dispatch
        case .discarding, .ended:
            // Discarding means the response ended already.
            return .finish(finish())
        }
    }

    // MARK: Upstream

    enum AttachAction: Equatable {
        /// Write the held parts, flush, resume reads.
        case attach
        /// Not needed any more (the request was answered meanwhile): close it.
        case close
    }

    /// The upstream connection for the current request is ready.
    mutating func upstreamConnected() -> AttachAction {
        guard case .exchange(var exchange) = state else { return .close }
        switch exchange.request {
        case .receiving(.held):
            exchange.request = .receiving(.upstream)
            state = .exchange(exchange)
            return .attach
        case .ended where !exchange.response.hasStarted:
            return .attach
        case .receiving, .ended, .discarding:
            return .close
        }
    }

    enum ResponseHeadAction: Equatable {
        /// Send the head on, after Gatehouse's header rules. `chunked`: add `Transfer-Encoding:
        /// chunked` (no framing came); `close`: add `Connection: close`.
        case forward(chunked: Bool, close: Bool)
        /// Send a 101 on unchanged.
        case switchProtocols
        /// A 101 to a request that asked for no upgrade is no answer: fail the exchange.
        case fail
        /// A second head: the upstream is confused; close it and ignore it.
        case ignore
    }

    mutating func upstreamResponseHead(status: HTTPResponseStatus, isKeepAlive: Bool, hasContentLength: Bool) -> ResponseHeadAction {
        guard case .exchange(var exchange) = state, exchange.response == .pending else { return .ignore }
        if status == .switchingProtocols {
            guard exchange.upgradeForwarded else { return .fail }
            exchange.response = .switching
            state = .exchange(exchange)
            return .switchProtocols
        }
        if !isKeepAlive { exchange.upstreamReusable = false }
        var chunked = false
        // Framing is Gatehouse's (the encoder's automatic framing does not know the request's
        // method, and would end a HEAD response with a chunk terminator).
        if !hasContentLength && !exchange.isHEAD && status.mayHaveResponseBody {
            if exchange.version.minor == 0 {
                exchange.keepAlive = false
            } else {
                chunked = true
            }
        }
        // Not switched: the decoder will read nothing more of this connection.
        if exchange.asksForUpgrade { exchange.keepAlive = false }
        exchange.response = .streaming(status: Int(status.code))
        state = .exchange(exchange)
        return .forward(chunked: chunked, close: !exchange.keepAlive)
    }

    /// Whether a response body part goes on to the client (a response to HEAD has none).
    func upstreamResponseBody() -> Bool {
        guard let exchange, case .streaming = exchange.response else { return false }
        return !exchange.isHEAD
    }

    enum ResponseEndAction: Equatable {
        /// Write the end; the exchange is over.
        case finish(Finish)
        /// Write the end; the upstream answered before the body was sent: the rest of the body
        /// is dropped, and the upstream connection (its request cut short) closed.
        case discardRestOfBody
        /// The 101's end: hand both connections to the glue handlers.
        case upgrade(route: RouteClass)
        case none
    }

    mutating func upstreamResponseEnded() -> ResponseEndAction {
        guard case .exchange(var exchange) = state else { return .none }
        switch exchange.response {
        case .switching:
            state = .closed
            return .upgrade(route: exchange.route)
        case .streaming(let status):
            exchange.response = .ended(status: status)
            if exchange.request == .ended {
                state = .exchange(exchange)
                return .finish(finish())
            }
            exchange.request = .discarding
            exchange.upstreamReusable = false
            state = .exchange(exchange)
            return .discardRestOfBody
        case .pending, .ended:
            return .none
        }
    }

    enum FailureAction: Equatable {
        /// Nothing is out yet: answer 502, or 504 after a read timeout.
        case respond(HTTPResponseStatus)
        /// Part of a response is out: the only honest signal left is closing. Complete the
        /// request with `status` and close the client connection.
        case close(status: Int, route: RouteClass)
        case none
    }

    /// The upstream connection (or the in-process application) failed.
    mutating func upstreamFailed(_ failure: UpstreamFailure) -> FailureAction {
        guard case .exchange(var exchange) = state else { return .none }
        exchange.upstreamReusable = false
        switch exchange.response {
        case .pending:
            state = .exchange(exchange)
            return .respond(failure == .readTimeout ? .gatewayTimeout : .badGateway)
        case .streaming(let status), .ended(let status):
            pipelined.removeAll()
            state = .closed
            return .close(status: status, route: exchange.route)
        case .switching:
            pipelined.removeAll()
            state = .closed
            return .close(status: 101, route: exchange.route)
        }
    }

    // MARK: Local answers and endings

    struct LocalResponseAction: Equatable {
        /// Add `Connection: close`.
        var close: Bool
        /// Write the body (none for HEAD).
        var includeBody: Bool
        /// After writing: the exchange is over (`finish`), or its body is still to be dropped (nil).
        var finish: Finish?
    }

    /// Gatehouse answers the current request itself (a refusal, the gate, a 413, a 502).
    mutating func respondingLocally(status: HTTPResponseStatus) -> LocalResponseAction? {
        guard case .exchange(var exchange) = state else { return nil }
        if exchange.request != .ended && exchange.method != .GET && exchange.method != .HEAD {
            // A body we will not read to the end: close rather than parse it as the next request.
            exchange.keepAlive = false
        }
        if exchange.asksForUpgrade { exchange.keepAlive = false }
        exchange.response = .ended(status: Int(status.code))
        let close = !exchange.keepAlive
        let includeBody = !exchange.isHEAD
        if exchange.request == .ended || !exchange.keepAlive {
            state = .exchange(exchange)
            return LocalResponseAction(close: close, includeBody: includeBody, finish: finish())
        }
        exchange.request = .discarding
        state = .exchange(exchange)
        return LocalResponseAction(close: close, includeBody: includeBody, finish: nil)
    }

    /// How an exchange ended, and what the connection does next.
    struct Finish: Equatable {
        var status: Int
        var route: RouteClass
        /// Give the upstream connection (if any) back to the pool; else close it.
        var releaseUpstream: Bool
        var next: Next
    }

    enum Next: Equatable {
        /// Keep the connection: handle queued parts, resume reads.
        case serveNext
        /// Flush and close.
        case close
        /// Flush, shut output and keep reading (dropping) until the client closes (`LingeringClose`).
        case linger
    }

    private mutating func finish() -> Finish {
        guard case .exchange(let exchange) = state else { preconditionFailure("finish without an exchange") }
        let status: Int
        switch exchange.response {
        case .ended(let ended), .streaming(let ended): status = ended
        case .switching: status = 101
        case .pending: status = 0
        }
        let next: Next
        if exchange.keepAlive {
            state = .idle
            next = .serveNext
        } else {
            pipelined.removeAll()
            if exchange.request == .ended || exchange.asksForUpgrade {
                state = .closed
                next = .close
            } else {
                // Answered before the client finished sending (a 413, a refusal): what it still
                // sends is read and dropped, so that it reads the answer instead of a reset.
                state = .lingering
                next = .linger
            }
        }
        return Finish(status: status, route: exchange.route, releaseUpstream: exchange.upstreamReusable, next: next)
    }

    /// The server is shutting down: whether to close now (idle); a busy connection closes after
    /// its response, and one already ending (lingering, or half-closed while its last bytes
    /// leave) is left to end on its own: a close now would drop what the client has not read.
    mutating func quiesce() -> Bool {
        pipelined.removeAll()
        switch state {
        case .idle:
            return true
        case .exchange(var exchange):
            exchange.keepAlive = false
            state = .exchange(exchange)
            return false
        case .lingering, .closed:
            return false
        }
    }

    /// The client connection closed: the status to log for an unfinished request (499 unless
    /// its response had ended), or nil.
    mutating func channelInactive() -> (status: Int, route: RouteClass)? {
        defer {
            state = .closed
            pipelined.removeAll()
        }
        guard let exchange else { return nil }
        if case .ended(let status) = exchange.response { return (status, exchange.route) }
        return (499, exchange.route)
    }
}
