import NIOHTTP1

/// Removes Gatehouse's own cookies from the `Cookie` header before a request goes upstream.
struct CookieFilter: Sendable {
    let prefix: String

    func filter(_ headers: inout HTTPHeaders) {
        let values = headers["cookie"]
        // Fast path: nothing of ours in any Cookie header.
        guard values.contains(where: { $0.contains(prefix) }) else { return }
        var kept: [Substring] = []
        for value in values {
            for pair in value.split(separator: ";") {
                let cookie = pair.trimmingSpaces()
                let name = cookie.prefix(while: { $0 != "=" })
                if name.hasPrefix(prefix) || name.hasPrefix("__Host-\(prefix)") || name.hasPrefix("__Secure-\(prefix)") { continue }
                if !cookie.isEmpty { kept.append(cookie) }
            }
        }
        headers.remove(name: "cookie")
        if !kept.isEmpty { headers.add(name: "Cookie", value: kept.joined(separator: "; ")) }
    }
}
