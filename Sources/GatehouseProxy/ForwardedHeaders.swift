import NIOHTTP1

/// Sets `X-Forwarded-For/Proto/Host`. Inbound values are kept (and the peer appended) only when
/// the peer is a trusted proxy; otherwise they are replaced, as are the forward-auth headers a
/// client could use to lie about the request (`X-Forwarded-Uri`, `X-Forwarded-Method`).
enum ForwardedHeaders {
    static let spoofable = ["forwarded", "x-forwarded-uri", "x-forwarded-method", "x-real-ip", "x-original-uri", "x-original-url"]

    static func apply(to headers: inout HTTPHeaders, peer: String?, peerIsTrusted: Bool) {
        let host = headers.first(name: "host")
        if peerIsTrusted {
            let previous = headers[canonicalForm: "x-forwarded-for"].joined(separator: ", ")
            headers.replaceOrAdd(name: "X-Forwarded-For", value: previous.isEmpty ? (peer ?? "unknown") : "\(previous), \(peer ?? "unknown")")
            if !headers.contains(name: "x-forwarded-proto") { headers.add(name: "X-Forwarded-Proto", value: "http") }
            if !headers.contains(name: "x-forwarded-host"), let host { headers.add(name: "X-Forwarded-Host", value: host) }
            return
        }
        for name in spoofable { headers.remove(name: name) }
        headers.replaceOrAdd(name: "X-Forwarded-For", value: peer ?? "unknown")
        headers.replaceOrAdd(name: "X-Forwarded-Proto", value: "http")
        if let host {
            headers.replaceOrAdd(name: "X-Forwarded-Host", value: host)
        } else {
            headers.remove(name: "x-forwarded-host")
        }
    }
}
