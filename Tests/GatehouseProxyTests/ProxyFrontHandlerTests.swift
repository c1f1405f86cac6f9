import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatehouseProxy

/// The front handler on an `EmbeddedChannel`: what the client and the upstream see, part by part.
@Suite struct ProxyFrontHandlerTests {
    typealias Upstreams = FakeUpstreams

    static let alice = ProxyIdentity(userID: "u1", email: "alice@acme.com", role: "DEVELOPER", tenantID: "acme")

    static func heads(_ parts: [HTTPClientRequestPart]) -> [HTTPRequestHead] {
        parts.compactMap { if case .head(let head) = $0 { return head } else { return nil } }
    }

    static func bodies(_ parts: [HTTPClientRequestPart]) -> String {
        parts.map { if case .body(.byteBuffer(let buffer)) = $0 { return String(buffer: buffer) } else { return "" } }.joined()
    }

    static func ends(_ parts: [HTTPClientRequestPart]) -> Int {
        parts.filter { if case .end = $0 { return true } else { return false } }.count
    }

    @Test func aPublicRequestGoesUpstreamAndItsResponseBackAndTheConnectionIsReused() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/a.css", headers: [("X-Forwarded-User", "spoofed")]), .end(nil))
        let sent = try proxy.upstreams.received()
        let head = try #require(Self.heads(sent).first)
        #expect(head.uri == "/public/a.css")
        #expect(!head.headers.contains(name: "X-Forwarded-User"))
        #expect(head.headers.first(name: "X-Forwarded-For") == "192.0.2.7")
        #expect(Self.ends(sent) == 1)
        try proxy.upstreams.respond(0, Upstreams.head(.ok), .body(Upstreams.ok), .end(nil))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 200)
        #expect(response.body == "ok")
        #expect(response.ended)
        #expect(response.header("X-Request-Id") == head.headers.first(name: "X-Request-Id"))
        #expect(proxy.observer.completed.map(\.status) == [200])
        #expect(proxy.observer.completed.map(\.route) == [.upstream])
        // Back in the pool: the next request takes the same connection.
        try proxy.send(proxy.request(.GET, "/public/b.css"), .end(nil))
        #expect(proxy.upstreams.channels.count == 1)
        #expect(Self.heads(try proxy.upstreams.received()).map(\.uri) == ["/public/b.css"])
    }

    @Test func aPipelinedRequestWaitsUntilTheFirstResponseEndsAndOrderIsKept() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/1"), .end(nil), proxy.request(.GET, "/public/2"), .end(nil))
        #expect(Self.heads(try proxy.upstreams.received()).map(\.uri) == ["/public/1"])
        try proxy.upstreams.respond(0, Upstreams.head(.ok))
        #expect(try proxy.upstreams.received().isEmpty)
        try proxy.upstreams.respond(0, .body(Upstreams.ok), .end(nil))
        // The second goes on only now, over the same (released) connection.
        #expect(Self.heads(try proxy.upstreams.received()).map(\.uri) == ["/public/2"])
        try proxy.upstreams.respond(0, Upstreams.head(.accepted), .body(Upstreams.ok), .end(nil))
        #expect(try proxy.responses().map(\.status) == [200, 202])
        #expect(proxy.observer.completed.map(\.path) == ["/public/1", "/public/2"])
    }

    @Test func bodyPartsWaitWhileTheSessionResolvesAndThenGoInOrder() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(
            proxy.request(.POST, "/reports/1", headers: [("Cookie", "\(EmbeddedProxy.sessionCookie)=abc"), ("Content-Length", "6")]),
            EmbeddedProxy.body("abc"))
        #expect(proxy.sessions.pending.count == 1)
        #expect(proxy.upstreams.channels.isEmpty)
        // Bounded: no more is read from the client while there is nowhere to send it.
        #expect(!proxy.readPassesThrough())
        let readsBefore = proxy.reads.count
        try proxy.send(EmbeddedProxy.body("def"), .end(nil))
        proxy.sessions.pending[0].succeed(Self.alice)
        proxy.loop.run()
        let sent = try proxy.upstreams.received()
        let head = try #require(Self.heads(sent).first)
        #expect(head.headers.first(name: "X-Forwarded-Email") == "alice@acme.com")
        #expect(Self.bodies(sent) == "abcdef")
        #expect(Self.ends(sent) == 1)
        // The held read goes out once the upstream is attached.
        #expect(proxy.reads.count == readsBefore + 1)
        #expect(proxy.readPassesThrough())
    }

    /// The store did not answer: not the upstream, not the sign-in page (it needs the store
    /// too), but a 503 to retry, logged with its reason.
    @Test func aFailedSessionLookupIsA503AndNeverTheUpstream() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/dashboard", headers: [("Cookie", "\(EmbeddedProxy.sessionCookie)=abc")]), .end(nil))
        proxy.sessions.pending[0].fail(ChannelError.ioOnClosedChannel)
        proxy.loop.run()
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 503)
        #expect(response.header("Retry-After") == "1")
        #expect(response.header("Location") == nil)
        #expect(proxy.upstreams.channels.isEmpty)
        #expect(proxy.observer.completed.map(\.route) == [.gate])
        #expect(proxy.observer.lookUpFailures.count == 1)
    }

    @Test func theGateAnswersWithoutASessionAndByTheRules() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/dashboard?tab=a"), .end(nil))
        try proxy.send(proxy.request(.GET, "/dashboard", headers: [("Accept", "application/json")]), .end(nil))
        proxy.sessions.cached["known"] = Self.alice
        try proxy.send(proxy.request(.GET, "/admin/x", headers: [("Cookie", "\(EmbeddedProxy.sessionCookie)=known")]), .end(nil))
        let responses = try proxy.responses()
        #expect(responses.map(\.status) == [302, 401, 403])
        #expect(responses[0].header("Location") == "/welcome/login?return_to=/dashboard%3Ftab%3Da")
        #expect(responses[1].body == #"{"error":"login"}"#)
        #expect(responses[1].header("Content-Length") == "17")
        #expect(proxy.isOpen)
    }

    @Test func anEarlyUpstreamAnswerDropsTheRestOfTheBodyAndTheUpstreamConnection() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.POST, "/public/upload", headers: [("Content-Length", "9")]), EmbeddedProxy.body("abc"))
        #expect(Self.bodies(try proxy.upstreams.received()) == "abc")
        try proxy.upstreams.respond(0, Upstreams.head(.ok), .body(Upstreams.ok), .end(nil))
        #expect(try proxy.responses().map(\.status) == [200])
        // The upstream connection, its request cut short, is closed, not pooled.
        #expect(!proxy.upstreams.channels[0].isActive)
        try proxy.send(EmbeddedProxy.body("def"), EmbeddedProxy.body("ghi"), .end(nil))
        #expect(proxy.observer.completed.map(\.status) == [200])
        // The body was read to its end, so the connection serves the next request on a new upstream connection.
        #expect(proxy.isOpen)
        try proxy.send(proxy.request(.GET, "/public/next"), .end(nil))
        #expect(proxy.upstreams.channels.count == 2)
    }

    @Test func anUpgradeThatSwitchesGluesBothConnections() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/ws", headers: [("Connection", "Upgrade"), ("Upgrade", "websocket")]), .end(nil))
        let head = try #require(Self.heads(try proxy.upstreams.received()).first)
        #expect(head.headers.first(name: "Upgrade") == "websocket")
        // Nothing more is read until the upstream answers.
        #expect(!proxy.readPassesThrough())
        try proxy.upstreams.respond(0, Upstreams.head(.switchingProtocols, [("Connection", "Upgrade"), ("Upgrade", "websocket")]), .end(nil))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 101)
        #expect(response.header("Upgrade") == "websocket")
        #expect(throws: (any Error).self) { try proxy.front.pipeline.syncOperations.handler(type: ProxyFrontHandler.self) }
        _ = try proxy.front.pipeline.syncOperations.handler(type: GlueHandler.self)
        _ = try proxy.upstreams.channels[0].pipeline.syncOperations.handler(type: GlueHandler.self)
        #expect(proxy.observer.completed.map(\.status) == [101])
        // Bytes now flow through untouched.
        try proxy.front.writeInbound(ByteBuffer(string: "frame"))
        #expect(try proxy.upstreams.channels[0].readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "frame"))
    }

    @Test func whenOneSideOfAGlueEndsTheOtherGetsWhatIsStillQueuedForItFirst() throws {
        let loop = EmbeddedEventLoop()
        let client = EmbeddedChannel(loop: loop)
        let upstream = EmbeddedChannel(loop: loop)
        let socket = UnsentWrites()
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        try client.pipeline.syncOperations.addHandler(socket)
        try client.pipeline.syncOperations.addHandler(clientGlue)
        try upstream.pipeline.syncOperations.addHandler(upstreamGlue)
        try client.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 40000)).wait()
        try upstream.connect(to: SocketAddress(ipAddress: "198.51.100.1", port: 80)).wait()
        defer {
            _ = try? client.finish(acceptAlreadyClosed: true)
            _ = try? upstream.finish(acceptAlreadyClosed: true)
        }
        // The upstream's last frame and its close, while the client is behind.
        try upstream.writeInbound(ByteBuffer(string: "last frame"))
        upstream.pipeline.fireChannelReadComplete()
        _ = try upstream.close().wait()
        loop.run()
        #expect(socket.count == 1)
        #expect(socket.dropped == 0)
        #expect(client.isActive)
        socket.release()
        loop.run()
        #expect(try client.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "last frame"))
        #expect(!client.isActive)
    }

    @Test func anUpgradeThatDoesNotSwitchEndsTheConnection() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/ws", headers: [("Connection", "Upgrade"), ("Upgrade", "websocket")]), .end(nil))
        try proxy.upstreams.respond(0, Upstreams.head(.ok), .body(Upstreams.ok), .end(nil))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(!proxy.isOpen)
    }

    @Test func a101ThatNobodyAskedForIsA502() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/x", headers: [("Accept", "application/json")]), .end(nil))
        try proxy.upstreams.respond(0, Upstreams.head(.switchingProtocols, [("Upgrade", "websocket")]))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 502)
        #expect(response.body.contains(#""error":"upstream_unavailable""#))
        #expect(!proxy.upstreams.channels[0].isActive)
        #expect(proxy.observer.failures == ["upstream/closed"])
    }

    @Test func anUnreachableUpstreamIsA502InItsShape() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        proxy.upstreams.mode = .failing
        try proxy.send(proxy.request(.GET, "/public/x", headers: [("X-Request-Id", "req-12345678")]), .end(nil))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 502)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.header("X-Request-Id") == "req-12345678")
        #expect(response.body.contains("req-12345678"))
        #expect(response.header("Content-Length") == "\(response.body.utf8.count)")
        #expect(proxy.observer.failures == ["upstream/connect"])
        #expect(proxy.isOpen)
    }

    @Test func anUpstreamThatStopsMidResponseClosesTheClientConnection() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/x"), .end(nil))
        try proxy.upstreams.respond(0, Upstreams.head(.ok, [("Content-Length", "100")]), .body(Upstreams.ok))
        proxy.upstreams.channels[0].pipeline.fireChannelInactive()
        proxy.loop.run()
        #expect(try proxy.responses().map(\.status) == [200])
        #expect(!proxy.isOpen)
        #expect(proxy.observer.completed.map(\.status) == [200])
    }

    @Test func anUpstreamReadTimeoutIsA504() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/slow"), .end(nil))
        proxy.upstreams.channels[0].pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        proxy.loop.run()
        #expect(try proxy.responses().map(\.status) == [504])
        #expect(proxy.observer.failures == ["upstream/read_timeout"])
    }

    @Test func theClientClosingMidRequestIsA499AndClosesTheUpstream() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.POST, "/public/upload", headers: [("Content-Length", "9")]), EmbeddedProxy.body("abc"))
        proxy.front.pipeline.fireChannelInactive()
        proxy.loop.run()
        #expect(proxy.observer.completed.map(\.status) == [499])
        #expect(!proxy.upstreams.channels[0].isActive)
    }

    @Test func aConnectionArrivingAfterTheClientLeftGoesBackToThePool() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        proxy.upstreams.mode = .pending
        try proxy.send(proxy.request(.GET, "/public/x"), .end(nil))
        proxy.front.pipeline.fireChannelInactive()
        proxy.upstreams.completeConnect()
        #expect(proxy.upstreams.channels[0].isActive)
        #expect(try proxy.upstreams.received().isEmpty)
    }

    @Test func aDeclaredBodyOverTheRouteLimitGetsTheRoutesOwn413() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.POST, "/own/form", headers: [("Content-Length", "17")]))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 413)
        #expect(response.body == "socket route: too large")
        #expect(response.header("Content-Type") == "text/plain")
        #expect(response.header("Connection") == "close")
        #expect(proxy.upstreams.channels.isEmpty)
        #expect(proxy.observer.completed.map(\.route.rawValue) == ["own"])
    }

    @Test func aChunkedBodyIsCutOffWhereItPassesTheLimit() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.POST, "/own", headers: [("Transfer-Encoding", "chunked")]), EmbeddedProxy.body("0123456789"))
        #expect(Self.bodies(try proxy.upstreams.received()) == "0123456789")
        #expect(proxy.upstreams.targets == [EmbeddedProxy.applicationTarget])
        try proxy.send(EmbeddedProxy.body("0123456789"))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 413)
        #expect(response.body == "socket route: too large")
        // The upstream connection, its request cut short, is closed.
        #expect(!proxy.upstreams.channels[0].isActive)
    }

    @Test func anInProcessRouteGetsTheWholeBodyAndItsAnswerGoesOut() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(
            proxy.request(.POST, "/inproc/Users", headers: [("Content-Length", "6"), ("X-Forwarded-Role", "ADMINISTRATOR")]),
            EmbeddedProxy.body("abc"), EmbeddedProxy.body("def"))
        #expect(proxy.application.requests.isEmpty)
        try proxy.send(.end(nil))
        let request = try #require(proxy.application.requests.first)
        #expect(request.body == "abcdef")
        #expect(!request.head.headers.contains(name: "X-Forwarded-Role"))
        proxy.application.answer(.created, body: "{}", on: proxy.loop)
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 201)
        #expect(response.body == "{}")
        #expect(proxy.upstreams.channels.isEmpty)
        #expect(proxy.observer.completed.map(\.route.rawValue) == ["inproc"])
    }

    @Test func anInProcessRouteOverItsLimitGetsItsOwn413() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(
            proxy.request(.PUT, "/inproc/Users/1", headers: [("Transfer-Encoding", "chunked")]), EmbeddedProxy.body(String(repeating: "x", count: 33))
        )
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.body == #"{"error":"in process route: too large"}"#)
        #expect(proxy.application.requests.isEmpty)
    }

    @Test func aFailingInProcessApplicationIsA502() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/inproc/Users"), .end(nil))
        proxy.application.fail(on: proxy.loop)
        #expect(try proxy.responses().map(\.status) == [502])
        #expect(proxy.observer.failures == ["inproc/closed"])
    }

    @Test func anIdentityThatCannotBeAHeaderIsNeverSent() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        proxy.sessions.cached["known"] = ProxyIdentity(
            userID: "u2", email: "eve@acme.com\r\nX-Forwarded-Role: ADMINISTRATOR", role: "DEVELOPER", tenantID: "acme")
        try proxy.send(proxy.request(.GET, "/dashboard", headers: [("Cookie", "\(EmbeddedProxy.sessionCookie)=known")]), .end(nil))
        #expect(try proxy.responses().map(\.status) == [502])
        #expect(proxy.observer.refused == ["u2"])
        #expect(proxy.upstreams.channels.isEmpty)
    }

    @Test func quiescingClosesAnIdleConnectionAndABusyOneAfterItsResponse() throws {
        let idle = try EmbeddedProxy()
        defer { idle.finish() }
        idle.front.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!idle.isOpen)
        let busy = try EmbeddedProxy()
        defer { busy.finish() }
        try busy.send(busy.request(.GET, "/public/x"), .end(nil))
        busy.front.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(busy.isOpen)
        try busy.upstreams.respond(0, Upstreams.head(.ok), .body(Upstreams.ok), .end(nil))
        #expect(try busy.responses().first?.header("Connection") == "close")
        #expect(!busy.isOpen)
    }

    @Test func aConnectionEndsOnlyAfterItsLastResponseHasLeft() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        let socket = UnsentWrites()
        try proxy.front.pipeline.syncOperations.addHandler(socket, position: .first)
        try proxy.send(proxy.request(.GET, "/public/x", headers: [("Connection", "close")]), .end(nil))
        try proxy.upstreams.respond(0, Upstreams.head(.ok), .body(Upstreams.ok), .end(nil))
        // The response is over but still queued for a reader that is behind: nothing is
        // dropped, not even when the server begins to shut down meanwhile.
        #expect(socket.count == 3)
        #expect(socket.dropped == 0)
        #expect(proxy.isOpen)
        proxy.front.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(socket.dropped == 0)
        #expect(proxy.isOpen)
        socket.release()
        proxy.loop.run()
        let response = try #require(try proxy.responses().first)
        #expect(response.body == "ok")
        #expect(response.ended)
        #expect(response.header("Connection") == "close")
        #expect(!proxy.isOpen)
    }

    @Test func refusalsBeforeRoutingCloseTheConnection() throws {
        let proxy = try EmbeddedProxy()
        defer { proxy.finish() }
        try proxy.send(proxy.request(.GET, "/public/../admin/x"), .end(nil))
        let response = try #require(try proxy.responses().first)
        #expect(response.status == 400)
        #expect(response.header("Connection") == "close")
        #expect(!proxy.isOpen)
        let trace = try EmbeddedProxy()
        defer { trace.finish() }
        try trace.send(trace.request(.TRACE, "/public/x"), .end(nil))
        #expect(try trace.responses().map(\.status) == [405])
    }
}

/// A socket that has not sent yet: writes wait in it until `release()`. Like NIOPosix's socket
/// channel, a full close drops what waits and a half-close waits for it.
final class UnsentWrites: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = Any
    private var context: ChannelHandlerContext?
    private var waiting: [(NIOAny, EventLoopPromise<Void>?)] = []
    private var halfClose: EventLoopPromise<Void>?
    private(set) var dropped = 0

    var count: Int { waiting.count }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) { waiting.append((data, promise)) }

    func flush(context: ChannelHandlerContext) {}

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output, !waiting.isEmpty {
            halfClose = promise
            return
        }
        dropped += waiting.count
        for (_, promise) in waiting { promise?.fail(ChannelError.ioOnClosedChannel) }
        waiting.removeAll()
        halfClose?.fail(ChannelError.ioOnClosedChannel)
        halfClose = nil
        context.close(mode: mode, promise: promise)
    }

    /// The socket sends everything, then carries out a half-close that was waiting.
    func release() {
        guard let context else { return }
        for (data, promise) in waiting { context.write(data, promise: promise) }
        waiting.removeAll()
        context.flush()
        if let halfClose {
            self.halfClose = nil
            context.close(mode: .output, promise: halfClose)
        }
    }
}
