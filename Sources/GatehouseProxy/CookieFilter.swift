import NIOHTTP1

/// Removes Gatehouse's own cookies from the `Cookie` header before a request goes upstream.
struct CookieFilter: Sendable {
    /// The configured prefix without a `__Host-`/`__Secure-` marker (`gatehouse_`).
    let prefix: String

    init(prefix: String) {
        var base = Substring(prefix)
        for marker in ["__Host-", "__Secure-"] where base.hasPrefix(marker) { base = base.dropFirst(marker.count) }
        self.prefix = String(base)
    }

    /// One `Cookie` header value without Gatehouse's cookies; nil when nothing is left.
    func filtered(_ value: String) -> String? {
        // Fast path: nothing of ours in it.
        guard value.contains(prefix) else { return value }
        var kept: [Substring] = []
        for pair in value.split(separator: ";") {
            let cookie = pair.trimmingSpaces()
            let name = cookie.prefix(while: { $0 != "=" })
            if isGatehouseCookie(name) { continue }
            if !cookie.isEmpty { kept.append(cookie) }
        }
        return kept.isEmpty ? nil : kept.joined(separator: "; ")
    }

    /// Whether a cookie name is one of Gatehouse's, in any of the prefixed spellings a browser
    /// keeps apart (`gatehouse_session`, `__Host-gatehouse_session`, `__Secure-…`), any case.
    func isGatehouseCookie(_ name: Substring) -> Bool {
        var name = name
        for marker in ["__host-", "__secure-"] where name.count > marker.count && name.prefix(marker.count).equalsIgnoringASCIICase(marker) {
            name = name.dropFirst(marker.count)
        }
        return name.count >= prefix.count && name.prefix(prefix.count).equalsIgnoringASCIICase(prefix)
    }

    /// Drops an upstream's `Set-Cookie` for one of Gatehouse's cookies: an app (or an attacker's
    /// reflected header) must not be able to plant or clear a session or any other cookie of Gatehouse's.
    func removeGatehouseCookies(from headers: inout HTTPHeaders) {
        guard headers.contains(name: "set-cookie") else { return }
        var kept = HTTPHeaders()
        for (name, value) in headers {
            if name.equalsIgnoringASCIICase("set-cookie"), setsGatehouseCookie(Substring(value)) { continue }
            kept.add(name: name, value: value)
        }
        headers = kept
    }

    /// The cookie's name, or for a nameless one (`=gatehouse_session=x`, which browsers send as
    /// `gatehouse_session=x`) the name its value will look like.
    private func setsGatehouseCookie(_ value: Substring) -> Bool {
        let pair = value.trimmingSpaces().prefix { $0 != ";" }
        let name = pair.prefix { $0 != "=" }.trimmingSpaces()
        if isGatehouseCookie(name) { return true }
        guard name.isEmpty, let equals = pair.firstIndex(of: "=") else { return false }
        return isGatehouseCookie(pair[pair.index(after: equals)...].prefix { $0 != "=" }.trimmingSpaces())
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
