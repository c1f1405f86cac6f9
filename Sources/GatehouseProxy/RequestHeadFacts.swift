import NIOHTTP1

/// What the front handler must know about a request head before routing it, read in one pass.
struct RequestHeadFacts {
    /// How many `Host` headers came (more than one is a 400: upstreams disagree on which is meant).
    var hostCount = 0
    /// A `Host` value that cannot be one host (a list, or with white space in it).
    var hostIsMalformed = false
    /// `Connection: upgrade` with an `Upgrade` header: NIO's decoder stops parsing the connection
    /// after such a request, whatever Gatehouse forwards, so its answer decides the connection.
    var asksForUpgrade = false
    /// The declared body size, when one `Content-Length` came.
    var contentLength: Int?

    init(_ headers: HTTPHeaders) {
        var sawUpgrade = false
        var connectionUpgrade = false
        for (name, value) in headers {
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                hostCount += 1
                if value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                    hostIsMalformed = true
                }
            case 7 where name.equalsIgnoringASCIICase("upgrade"):
                sawUpgrade = true
            case 10 where name.equalsIgnoringASCIICase("connection"):
                if value.split(separator: ",").contains(where: { $0.trimmingSpaces().equalsIgnoringASCIICase("upgrade") }) {
                    connectionUpgrade = true
                }
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                contentLength = Int(value)
            default:
                continue
            }
        }
        asksForUpgrade = sawUpgrade && connectionUpgrade
    }
}
