import NIOHTTP1

/// Connection-specific headers (RFC 9110 §7.6.1) that a proxy must not forward.
enum HopByHopHeaders {
    static let names = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]

    /// Removes the hop-by-hop headers and every header that `Connection` names.
    /// Returns whether the message was chunked, which the caller re-applies as framing.
    @discardableResult
    static func remove(from headers: inout HTTPHeaders) -> (chunked: Bool, upgrade: String?) {
        var named: [Substring] = []
        var connectionUpgrade = false
        for value in headers[canonicalForm: "connection"] {
            for token in value.split(separator: ",") {
                let name = token.trimmingSpaces()
                if name.lowercased() == "upgrade" { connectionUpgrade = true }
                named.append(name)
            }
        }
        // The HTTP parser only accepts a Transfer-Encoding that ends in chunked, so any at all
        // means a chunked body; the framing is redone on the way out, never forwarded as sent.
        let chunked = headers.contains(name: "transfer-encoding")
        let upgrade = connectionUpgrade ? headers.first(name: "upgrade") : nil
        for name in named where !name.isEmpty { headers.remove(name: String(name)) }
        for name in names { headers.remove(name: name) }
        return (chunked, upgrade)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
