import NIOCore
import NIOHTTP1

/// What the front handler holds for the request in progress: its facts for the access log and
/// local answers, and the things it is sent through. Its progress is in `ProxyConnectionStateMachine`.
final class ProxyExchange {
    let method: HTTPMethod
    let path: String
    let requestID: String
    let start: NIODeadline
    /// The client's HTTP version, used for the response.
    let version: HTTPVersion
    /// The request target as the client sent it, for the login redirect's return path.
    let uri: String
    /// An API call (JSON errors, 401) rather than a page load (HTML, redirects).
    let wantsJSON: Bool

    var pool: UpstreamPool?
    var upstream: UpstreamConnection?
    /// Request parts waiting for the upstream connection, or for the in-process application.
    var buffered: [HTTPClientRequestPart] = []
    /// The answer to a body over the route's limit.
    var bodyTooLarge: LocalResponse?
    /// Set when an in-process application answers (no upstream connection).
    var inProcessApplication: (any InProcessApplication)?
    /// Set for responses from the upstream app: its `Set-Cookie` for Gatehouse's cookies is dropped.
    var gatehouseCookies: CookieFilter?
    /// The path as decided for rules and public paths.
    var requestPath: RequestPath?

    init(head: HTTPRequestHead, path: String, requestID: String, start: NIODeadline) {
        method = head.method
        self.path = path
        self.requestID = requestID
        self.start = start
        version = head.version
        uri = head.uri
        wantsJSON = LocalResponse.wantsJSON(head.headers)
    }
}
