/// What kind of route served a request, for metrics and logs.
public enum RouteClass: String, Sendable, CaseIterable {
    /// Forwarded to the upstream app.
    case upstream
    /// Sign-in pages and endpoints under the SSO prefix.
    case sso
    /// SCIM provisioning.
    case scim
    /// Answered by the access gate (redirect to sign-in or 401).
    case gate
}

/// Why talking to an upstream failed.
public enum UpstreamFailure: String, Sendable, CaseIterable {
    case connect
    case readTimeout = "read_timeout"
    case closed
}

/// One finished request, as the access log and metrics see it.
public struct CompletedRequest: Sendable {
    public var requestID: String
    public var method: String
    /// The path without the query string (queries may carry tokens).
    public var path: String
    public var status: Int
    public var route: RouteClass
    public var duration: Duration
    public var peer: String?
}

/// Receives what the proxy observes; the server turns it into metrics and JSON logs.
/// Called on event loops: implementations must be quick and never block.
public protocol ProxyObserver: Sendable {
    func requestStarted()
    func requestCompleted(_ request: CompletedRequest)
    func upstreamFailed(_ failure: UpstreamFailure, route: RouteClass)
    /// A signed-in identity with a control character in a value was not sent upstream.
    func refusedIdentity(userID: String, requestID: String)
    /// A front-listener limit refused or closed a connection. Called once per event, possibly
    /// thousands of times a second under attack: rate-limit any logging.
    func frontLimitReached(_ event: FrontLimitEvent)
}

extension ProxyObserver {
    /// Observers that do not watch limits ignore them.
    public func frontLimitReached(_ event: FrontLimitEvent) {}
}
