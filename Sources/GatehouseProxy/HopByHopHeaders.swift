import NIOHTTP1

/// Connection-specific headers (RFC 9110 §7.6.1) that a proxy must not forward.
enum HopByHopHeaders {
    static let names = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]

    /// Removes the hop-by-hop headers and every header that `Connection` names (responses;
    /// requests are rebuilt by `UpstreamRequestHeaders`).
    static func remove(from headers: inout HTTPHeaders) {
        for name in headers[canonicalForm: "connection"] where !name.isEmpty { headers.remove(name: String(name)) }
        for name in names { headers.remove(name: name) }
    }
}
