import Foundation
import GatehouseBasics
import Hummingbird

/// `application/x-www-form-urlencoded` bodies and query strings, and the Cookie header.
enum HTTPForms {
    /// Name/value pairs; `+` is a space and percent-escapes are decoded. Later duplicates are ignored.
    static func decode(_ text: Substring) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decodeComponent(parts[0]) else { continue }
            let value = parts.count > 1 ? decodeComponent(parts[1]) : ""
            if fields[name] == nil, let value { fields[name] = value }
        }
        return fields
    }

    private static func decodeComponent(_ text: Substring) -> String? {
        // `+` is a space before the escapes are decoded (an escaped `%2B` stays a plus).
        PercentEncoding.decodeText(utf8: text.utf8.lazy.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 })
    }

    /// Cookies by name (the first of each name wins, as browsers send the most specific first).
    static func cookies(_ request: Request) -> [String: Substring] {
        var cookies: [String: Substring] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                let name = String(trimmed[..<equals])
                if cookies[name] == nil { cookies[name] = trimmed[trimmed.index(after: equals)...] }
            }
        }
        return cookies
    }

    /// A Set-Cookie value: HttpOnly, Path=/, no Domain, Secure on https, SameSite=Lax.
    ///
    /// `crossSite` makes it `SameSite=None` so that it comes back with an IdP's cross-site POST;
    /// browsers keep `None` only with `Secure`, so on plain http it stays `Lax` (the ACS then
    /// re-submits the response from its own origin, `ACSResubmission`).
    static func setCookie(_ name: String, _ value: String, secure: Bool, maxAge: Int?, crossSite: Bool = false) -> String {
        var cookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=\(crossSite && secure ? "None" : "Lax")"
        if secure { cookie += "; Secure" }
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        return cookie
    }
}

/// HTML escaping for every value a page shows.
enum HTMLText {
    static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
