import NIOCore
import NIOHTTP1

/// One request on a front connection, from its head to the end of its response.
final class ProxyExchange {
    let method: HTTPMethod
    let path: String
    let requestID: String
    /// `.gate` while a session is being resolved, then `.upstream`.
    var route: RouteClass
    let start: NIODeadline
    /// The client's HTTP version, used for the response.
    let version: HTTPVersion
    /// Whether the client connection stays open after this response.
    var keepAlive: Bool
    let isHEAD: Bool
    var upgradeRequested: Bool
    /// The request target as the client sent it, for the login redirect's return path.
    let uri: String
    /// An API call (JSON errors, 401) rather than a page load (HTML, redirects).
    let wantsJSON: Bool

    var pool: UpstreamPool?
    var upstream: UpstreamConnection?
    /// Request parts waiting for the upstream connection.
    var buffered: [HTTPClientRequestPart] = []
    var requestEnded = false
    var responseStarted = false
    var responseEnded = false
    var upgrading = false
    /// The rest of the request body is read and dropped (a local or early response was sent).
    var discardingBody = false
    /// The upstream connection may go back to the pool.
    var upstreamReusable = true
    var status = 0
    /// Answered by the in-process application (no upstream connection); the body bytes so far.
    var inProcess = false
    /// Body bytes received so far, and the most Gatehouse's own routes take (nil: streamed on).
    var bodyBytes = 0
    var bodyLimit: (bytes: Int, tooLarge: LocalResponse)?
    /// Set when an in-process application answers (no upstream connection).
    var inProcessApplication: (any InProcessApplication)?
    /// Set for responses from the upstream app: its `Set-Cookie` for Gatehouse's cookies is dropped.
    var gatehouseCookies: CookieFilter?
    /// The path as decided for rules and public paths.
    var requestPath: RequestPath?
    /// The client asked for a protocol upgrade: NIO's decoder reads nothing more of this
    /// connection until it is switched, so any answer other than a 101 ends the connection.
    var asksForUpgrade = false

    init(
        head: HTTPRequestHead, keepAlive: Bool, path: String, requestID: String, route: RouteClass, start: NIODeadline, upgradeRequested: Bool
    ) {
        method = head.method
        self.path = path
        self.requestID = requestID
        self.route = route
        self.start = start
        version = head.version
        self.keepAlive = keepAlive
        isHEAD = head.method == .HEAD
        self.upgradeRequested = upgradeRequested
        uri = head.uri
        wantsJSON = LocalResponse.wantsJSON(head.headers)
    }
}
