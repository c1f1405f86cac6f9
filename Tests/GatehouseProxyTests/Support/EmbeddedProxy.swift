import GatehouseConfig
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatehouseProxy

/// A `ProxyFrontHandler` on an `EmbeddedChannel`, with doubles for everything behind it: upstream
/// connections on embedded channels of their own, a session resolver and an in-process
/// application answered by the test, and an observer that records.
final class EmbeddedProxy {
    let loop = EmbeddedEventLoop()
    let front: EmbeddedChannel
    let reads = ReadCounter()
    let observer = RecordingObserver()
    let sessions = FakeSessions()
    let application = FakeApplication()
    let upstreams: FakeUpstreams
    let policy: ProxyPolicy

    static let upstreamTarget = UpstreamTarget.tcp(host: "upstream.test", port: 80)
    static let applicationTarget = UpstreamTarget.unixSocket(path: "/nonexistent/app.sock")
    static let socketRouteTooLarge = LocalResponse(
        status: .payloadTooLarge, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: "socket route: too large")
    static let inProcessRouteTooLarge = LocalResponse.json(.payloadTooLarge, #"{"error":"in process route: too large"}"#)
    static let loginRequired = LoginRequired(loginPath: "/welcome/login", apiResponse: .json(.unauthorized, #"{"error":"login"}"#))
    static let sessionCookie = "__Host-gatehouse_session"

    init(withSessions: Bool = true) throws {
        let yaml = """
            public_url: https://dash.example.com
            upstream: http://127.0.0.1:3000
            store: sqlite:/tmp/unused.db
            public_paths: ["^/public/"]
            rules:
              - path_prefix: /admin/
                roles: [ADMINISTRATOR]
            """
        policy = try ProxyPolicy(configuration: try ConfigLoader.parse(yaml: yaml).get())
        #expect(String(decoding: policy.sessionCookie, as: UTF8.self) == Self.sessionCookie)
        let pools = UpstreamPools(
            group: loop, targets: [Self.upstreamTarget, Self.applicationTarget], connectTimeout: .seconds(1), readTimeout: .seconds(30),
            maximumIdle: 4)
        upstreams = FakeUpstreams(loop: loop)
        for target in [Self.upstreamTarget, Self.applicationTarget] {
            let upstreams = self.upstreams
            pools.pool(for: loop, target: target)?.connector = { _ in upstreams.connect(target: target) }
        }
        let routes = [
            ApplicationRoute(
                matches: [.prefix("/own/"), .exactly("/own")], serving: .applicationSocket, routeClass: RouteClass(rawValue: "own"),
                maximumBodyBytes: 16, bodyTooLarge: Self.socketRouteTooLarge),
            ApplicationRoute(
                matches: [.prefix("/inproc/")], serving: .inProcess(application), routeClass: RouteClass(rawValue: "inproc"),
                maximumBodyBytes: 32, bodyTooLarge: Self.inProcessRouteTooLarge),
        ]
        let environment = ProxyEnvironment(
            policy: ProxyPolicyBox(policy), observer: observer, pools: pools, upstream: Self.upstreamTarget, application: Self.applicationTarget,
            routes: routes, loginRequired: Self.loginRequired, sessions: withSessions ? sessions : nil)
        front = EmbeddedChannel(loop: loop)
        front.remoteAddress = try SocketAddress(ipAddress: "192.0.2.7", port: 40000)
        try front.pipeline.syncOperations.addHandler(reads)
        try front.pipeline.syncOperations.addHandler(ProxyFrontHandler(environment: environment, codec: nil))
        try front.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 40000)).wait()
    }

    // MARK: Client side

    func send(_ parts: HTTPServerRequestPart...) throws {
        for part in parts { try front.writeInbound(part) }
        front.pipeline.fireChannelReadComplete()
        loop.run()
    }

    func request(_ method: HTTPMethod = .GET, _ uri: String, headers: [(String, String)] = []) -> HTTPServerRequestPart {
        var fields = HTTPHeaders([("Host", "dash.example.com")])
        fields.add(contentsOf: headers)
        return .head(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: fields))
    }

    static func body(_ text: String) -> HTTPServerRequestPart { .body(ByteBuffer(string: text)) }

    /// Everything the client got so far, as whole responses.
    func responses() throws -> [ClientResponse] {
        var responses: [ClientResponse] = []
        while let part = try front.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let head): responses.append(ClientResponse(head: head))
            case .body(.byteBuffer(let buffer)): responses[responses.count - 1].body += String(buffer: buffer)
            case .body: break
            case .end: responses[responses.count - 1].ended = true
            }
        }
        return responses
    }

    /// Asks the front channel to read, as the event loop does after each read: returns whether
    /// the handler let the read through.
    func readPassesThrough() -> Bool {
        let before = reads.count
        front.read()
        return reads.count > before
    }

    var isOpen: Bool { front.isActive }

    func finish() {
        _ = try? front.finish(acceptAlreadyClosed: true)
        for upstream in upstreams.channels { _ = try? upstream.finish(acceptAlreadyClosed: true) }
    }
}

struct ClientResponse {
    var head: HTTPResponseHead
    var body = ""
    var ended = false

    var status: Int { Int(head.status.code) }
    func header(_ name: String) -> String? { head.headers.first(name: name) }
}

/// Counts the reads that reach the head of the front pipeline.
final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = Any
    private(set) var count = 0

    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}

/// Upstream connections on embedded channels: connected at once, later (`pending`), or failing.
final class FakeUpstreams: @unchecked Sendable {
    enum Mode {
        case immediate
        case pending
        case failing
    }

    let loop: EmbeddedEventLoop
    var mode = Mode.immediate
    private(set) var channels: [EmbeddedChannel] = []
    private(set) var targets: [UpstreamTarget] = []
    private var waiting: [(EventLoopPromise<Channel>, EmbeddedChannel)] = []

    init(loop: EmbeddedEventLoop) { self.loop = loop }

    func connect(target: UpstreamTarget) -> EventLoopFuture<Channel> {
        if mode == .failing { return loop.makeFailedFuture(ChannelError.connectTimeout(.seconds(1))) }
        let channel = EmbeddedChannel(loop: loop)
        try! channel.pipeline.syncOperations.addHandler(UpstreamConnection(readTimeout: .seconds(30)))
        try! channel.connect(to: SocketAddress(ipAddress: "198.51.100.1", port: 80)).wait()
        channels.append(channel)
        targets.append(target)
        if mode == .pending {
            let promise = loop.makePromise(of: Channel.self)
            waiting.append((promise, channel))
            return promise.futureResult
        }
        return loop.makeSucceededFuture(channel)
    }

    /// Completes the oldest pending connect.
    func completeConnect() {
        let (promise, channel) = waiting.removeFirst()
        promise.succeed(channel)
        loop.run()
    }

    /// What an upstream was sent, as parts.
    func received(_ index: Int = 0) throws -> [HTTPClientRequestPart] {
        var parts: [HTTPClientRequestPart] = []
        while let part = try channels[index].readOutbound(as: HTTPClientRequestPart.self) { parts.append(part) }
        return parts
    }

    func respond(_ index: Int = 0, _ parts: HTTPClientResponsePart...) throws {
        for part in parts { try channels[index].writeInbound(part) }
        channels[index].pipeline.fireChannelReadComplete()
        loop.run()
    }

    static func head(_ status: HTTPResponseStatus, _ headers: [(String, String)] = [("Content-Length", "2")]) -> HTTPClientResponsePart {
        .head(HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers)))
    }

    static let ok = ByteBuffer(string: "ok")
}

/// A session resolver the test answers: cookies it knows at once, and lookups left pending.
final class FakeSessions: SessionResolver, @unchecked Sendable {
    var cached: [String: ProxyIdentity] = [:]
    private(set) var pending: [EventLoopPromise<ProxyIdentity?>] = []

    func cachedIdentity(forCookie value: Substring) -> ProxyIdentity? { cached[String(value)] }

    func identity(forCookie value: Substring, on eventLoop: EventLoop) -> EventLoopFuture<ProxyIdentity?> {
        let promise = eventLoop.makePromise(of: ProxyIdentity?.self)
        pending.append(promise)
        return promise.futureResult
    }
}

/// An in-process application that records what it was handed and answers when told.
final class FakeApplication: InProcessApplication, @unchecked Sendable {
    private(set) var requests: [(head: HTTPRequestHead, body: String)] = []
    private var promises: [EventLoopPromise<InProcessResponse>] = []

    func respond(to head: HTTPRequestHead, body: ByteBuffer, channel: Channel) -> EventLoopFuture<InProcessResponse> {
        requests.append((head, String(buffer: body)))
        let promise = channel.eventLoop.makePromise(of: InProcessResponse.self)
        promises.append(promise)
        return promise.futureResult
    }

    func answer(_ status: HTTPResponseStatus, body: String, on loop: EmbeddedEventLoop) {
        promises.removeFirst().succeed(
            InProcessResponse(
                head: HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders([("Content-Length", "\(body.utf8.count)")])),
                body: ByteBuffer(string: body)))
        loop.run()
    }

    func fail(on loop: EmbeddedEventLoop) {
        promises.removeFirst().fail(ChannelError.ioOnClosedChannel)
        loop.run()
    }
}

/// Records what the proxy reports (on the one embedded event loop: no lock needed).
final class RecordingObserver: ProxyObserver, @unchecked Sendable {
    private(set) var completed: [CompletedRequest] = []
    private(set) var failures: [String] = []
    private(set) var refused: [String] = []
    private(set) var lookUpFailures: [String] = []

    func requestStarted() {}
    func requestCompleted(_ request: CompletedRequest) { completed.append(request) }
    func upstreamFailed(_ failure: UpstreamFailure, route: RouteClass) { failures.append("\(route.rawValue)/\(failure.rawValue)") }
    func refusedIdentity(userID: String, requestID: String) { refused.append(userID) }
    func sessionLookupFailed(requestID: String, reason: String) { lookUpFailures.append(reason) }
}
