/// A minimal http(s) URL split, enough to validate configuration values without Foundation's URL
/// (which accepts far more than an operator means).
struct URLParts {
    var isHTTPS: Bool
    var host: String
    var port: Int?
    var path: String
    var query: String?

    /// `localhost`, 127.0.0.0/8 or ::1: the only hosts plain http may be used with for metadata.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1"
            || (host.hasPrefix("127.") && host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
    }

    /// Host as written in a URL (IPv6 in brackets).
    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }

    init?(_ text: String) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            isHTTPS = true
            rest = text.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            isHTTPS = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@"), let hostPort = URLParts.hostAndPort(String(authority), portRequired: false) else { return nil }
        host = hostPort.host.lowercased()
        port = hostPort.port == 0 ? nil : hostPort.port
        let remainder = rest[authorityEnd...]
        if let questionMark = remainder.firstIndex(of: "?") {
            path = String(remainder[..<questionMark])
            query = String(remainder[remainder.index(after: questionMark)...])
        } else {
            path = String(remainder)
            query = nil
        }
        if remainder.contains("#") { return nil }
    }

    /// `host:port`, `[v6]:port`; with `portRequired: false` a missing port gives 0.
    static func hostAndPort(_ text: String, portRequired: Bool = true, allowPortZero: Bool = false) -> (host: String, port: Int)? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_:".contains($0)) }) else { return nil }
        guard let portText else { return portRequired ? nil : (String(host), 0) }
        guard let port = Int(portText), ((allowPortZero ? 0 : 1)...65_535).contains(port) else { return nil }
        return (String(host), port)
    }
}
