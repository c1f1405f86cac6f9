import GatehouseBasics
import GatehouseConfig
import NIOCore
import NIOHTTP1

/// The front listener's limits under abuse, read once from `proxy.*` at start.
struct FrontConnectionLimits: Sendable {
    var headerReadTimeout: TimeAmount
    var idleTimeout: TimeAmount
    var sendTimeout: TimeAmount
    var maxConnections: Int
    var maxHeaderBytes: Int
    var maxHeaderCount: Int
    var maxURIBytes: Int

    init(_ settings: ProxySettings) {
        headerReadTimeout = .nanoseconds(settings.headerReadTimeout.nanoseconds)
        idleTimeout = .nanoseconds(settings.idleTimeout.nanoseconds)
        sendTimeout = .nanoseconds(settings.sendTimeout.nanoseconds)
        maxConnections = settings.maxConnections
        maxHeaderBytes = settings.maxHeaderBytes
        maxHeaderCount = settings.maxHeaderCount
        maxURIBytes = settings.maxURIBytes
    }

    /// The parser's hard bound, which caps the memory one head can take. It sits above the
    /// configured limits so that the common cases are decided on the whole head, with a precise
    /// reason (`RequestHeadLimitHandler`); only a head far over them stops the parser.
    var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        // NIO counts the request target as one field and into the total.
        limits.maxHeaderFieldSize = maxHeaderBytes + maxURIBytes
        limits.maxHeaderListSize = maxHeaderBytes + maxURIBytes
        limits.maxHeaderFieldCount = 2 * maxHeaderCount
        return limits
    }
}
