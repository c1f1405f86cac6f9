import NIOHTTP1

/// Removes Gatehouse's own cookies from the `Cookie` header before a request goes upstream.
struct CookieFilter: Sendable {
    let prefix: String

    /// One `Cookie` header value without Gatehouse's cookies; nil when nothing is left.
    func filtered(_ value: String) -> String? {
        // Fast path: nothing of ours in it.
        guard value.contains(prefix) else { return value }
        var kept: [Substring] = []
        for pair in value.split(separator: ";") {
            let cookie = pair.trimmingSpaces()
            let name = cookie.prefix(while: { $0 != "=" })
            if name.hasPrefix(prefix) || name.hasPrefix("__Host-\(prefix)") || name.hasPrefix("__Secure-\(prefix)") { continue }
            if !cookie.isEmpty { kept.append(cookie) }
        }
        return kept.isEmpty ? nil : kept.joined(separator: "; ")
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
