import Foundation
import GatehouseBasics

/// Where to send the browser after sign-in: only a path on this origin. Anything that a browser
/// could read as another origin (`//host`, `/\host`, a scheme, those percent-encoded, control
/// characters) is refused, so `return_to` and RelayState cannot become an open redirect.
public enum ReturnPath {
    public static let maximumLength = 2_048

    /// The path itself when it is safe; nil otherwise (callers fall back to `/`).
    public static func sanitize(_ candidate: String?) -> String? {
        guard let candidate, !candidate.isEmpty, candidate.utf8.count <= maximumLength else { return nil }
        // Judge the text and its percent-decoded forms (twice, for double encoding) alike.
        var forms = [candidate]
        var current = candidate
        for _ in 0..<2 {
            guard let decoded = PercentEncoding.decodeText(current), decoded != current else { break }
            forms.append(decoded)
            current = decoded
        }
        for form in forms where !isSafe(form) { return nil }
        return candidate
    }

    private static func isSafe(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return false }
        if bytes.count > 1 && (bytes[1] == UInt8(ascii: "/") || bytes[1] == UInt8(ascii: "\\")) { return false }
        // Browsers drop tabs and newlines inside URLs, which turns "/\t/host" into "//host".
        return !bytes.contains { $0 < 0x20 || $0 == 0x7f || $0 == UInt8(ascii: "\\") }
    }
}
