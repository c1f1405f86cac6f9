/// A front-listener limit that refused or closed a client connection, for metrics and logs.
public enum FrontLimit: String, Sendable, CaseIterable {
    /// A request head did not arrive whole within `proxy.header_read_timeout` (closed; 408 when part of it came).
    case headerReadTimeout = "header_read_timeout"
    /// A keep-alive connection waited longer than `proxy.idle_timeout` for its next request (closed).
    case idleTimeout = "idle_timeout"
    /// A client took none of the response bytes waiting for it for `proxy.send_timeout` (closed:
    /// it stopped reading, and would hold the connection and, behind the backpressure, an
    /// upstream connection for ever).
    case stalledReader = "stalled_reader"
    /// `proxy.max_connections` were open already (503, closed).
    case maxConnections = "max_connections"
    /// The header names and values of one request passed `proxy.max_header_bytes` (431, closed).
    case headerBytes = "max_header_bytes"
    /// One request had more than `proxy.max_header_count` header fields (431, closed).
    case headerCount = "max_header_count"
    /// The request target passed `proxy.max_uri_bytes` (414, closed).
    case uriBytes = "max_uri_bytes"
    /// The HTTP parser's own bound on a head (`max_header_bytes + max_uri_bytes` bytes, or twice
    /// `max_header_count` fields) stopped it before the head was whole (431, closed).
    case headOverflow = "head_overflow"

    /// Whether reaching the limit is worth a warning: an idle keep-alive connection closing is routine.
    public var isRefusal: Bool { self != .idleTimeout }
}

/// One time a front-listener limit was reached.
public struct FrontLimitEvent: Sendable {
    public var limit: FrontLimit
    /// The client's address, when known.
    public var peer: String?
    /// What exactly was over: sizes and the limit in force, never header values.
    public var detail: String

    public init(limit: FrontLimit, peer: String?, detail: String) {
        self.limit = limit
        self.peer = peer
        self.detail = detail
    }
}
