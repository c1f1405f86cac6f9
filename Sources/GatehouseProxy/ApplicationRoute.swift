/// A part of the URL space that Gatehouse's own application serves instead of the upstream app,
/// handed to the proxy by whoever wires it. The proxy needs no session for it, strips identity
/// headers as usual, keeps Gatehouse's cookies on the request, and holds its body to the route's
/// own limit, refusing a larger one with the route's own 413.
public struct ApplicationRoute: Sendable {
    /// Which request paths (without the query) a route takes.
    public enum Match: Sendable {
        case prefix(String)
        case exactly(String)
    }

    /// How a route's requests reach the application.
    public enum Serving: Sendable {
        /// Over the private Unix socket to the application's own HTTP listener.
        case applicationSocket
        /// Answered in this process once the whole (bounded) body is in; a request asking for a
        /// protocol upgrade still goes over the socket.
        case inProcess(any InProcessApplication)
    }

    public let matches: [Match]
    public let serving: Serving
    /// The route class its requests are counted and logged under.
    public let routeClass: RouteClass
    /// The largest request body the route takes, declared or counted as it streams.
    public let maximumBodyBytes: Int
    /// The answer to a larger body.
    public let bodyTooLarge: LocalResponse

    public init(matches: [Match], serving: Serving, routeClass: RouteClass, maximumBodyBytes: Int, bodyTooLarge: LocalResponse) {
        self.matches = matches
        self.serving = serving
        self.routeClass = routeClass
        self.maximumBodyBytes = maximumBodyBytes
        self.bodyTooLarge = bodyTooLarge
    }

    func matches(_ path: Substring) -> Bool {
        for match in matches {
            switch match {
            case .prefix(let prefix): if path.hasPrefix(prefix) { return true }
            case .exactly(let exact): if path == exact { return true }
            }
        }
        return false
    }

    var inProcessApplication: (any InProcessApplication)? {
        if case .inProcess(let application) = serving { return application }
        return nil
    }
}

extension [ApplicationRoute] {
    /// The first route that takes `path` (routes are listed most specific first).
    func route(for path: Substring) -> ApplicationRoute? {
        for route in self where route.matches(path) { return route }
        return nil
    }
}
