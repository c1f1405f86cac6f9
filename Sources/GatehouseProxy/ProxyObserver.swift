/// What kind of route served a request, for metrics and logs: the upstream app, the access gate,
/// or the class an `ApplicationRoute` names.
public struct RouteClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// Forwarded to the upstream app.
    public static let upstream = RouteClass(rawValue: "upstream")
    /// Answered by the access gate (redirect to the login page or 401), or refused before routing.
    public static let gate = RouteClass(rawValue: "gate")

    public var description: String { rawValue }
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
    /// A session could not be checked (the store did not answer): the request got a 503. Called
    /// for every such request while the store is down: rate-limit any logging.
    func sessionLookupFailed(requestID: String, reason: String)
    /// A front-listener limit refused or closed a connection. Called once per event, possibly
    /// thousands of times a second under attack: rate-limit any logging.
    func frontLimitReached(_ event: FrontLimitEvent)
}

extension ProxyObserver {
    /// Observers that do not watch limits ignore them.
    public func frontLimitReached(_ event: FrontLimitEvent) {}
}
