/// Checks a request target before any path rule sees it.
///
/// Path rules (public paths, role rules) compare the path as sent, so a target whose meaning
/// changes when the upstream normalises it must never reach them: `/public/../admin` matches
/// `^/public/` here and is `/admin` upstream. Such targets are refused, not normalised, so the
/// upstream and Gatehouse can never disagree about which path was asked for.
public enum RequestTarget {
    /// Whether the target is origin-form (`/path?query`) with no dot segment, in any spelling
    /// (`..`, `%2e%2E`, `.%2e`), and no backslash or encoded slash that a server might read as `/`.
    public static func isAcceptable(_ uri: String) -> Bool {
        let path = uri.utf8.prefix { $0 != UInt8(ascii: "?") }
        guard path.first == UInt8(ascii: "/") else { return uri == "*" }
        var segment: [UInt8] = []
        var bytes = path.makeIterator()
        while let byte = bytes.next() {
            var decoded = byte
            if byte == UInt8(ascii: "%") {
                guard let high = bytes.next(), let low = bytes.next(), let value = hexValue(high, low) else { return false }
                decoded = value
                // An encoded separator, dot, or NUL only ever serves to confuse path matching.
                if decoded == UInt8(ascii: "/") || decoded == UInt8(ascii: "\\") || decoded == 0 { return false }
            }
            if decoded == UInt8(ascii: "\\") { return false }
            if decoded == UInt8(ascii: "/") {
                if isDotSegment(segment) { return false }
                segment.removeAll(keepingCapacity: true)
            } else {
                segment.append(decoded)
            }
        }
        return !isDotSegment(segment)
    }

    private static func isDotSegment(_ segment: [UInt8]) -> Bool {
        segment == [UInt8(ascii: ".")] || segment == [UInt8(ascii: "."), UInt8(ascii: ".")]
    }

    private static func hexValue(_ high: UInt8, _ low: UInt8) -> UInt8? {
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        guard let high = nibble(high), let low = nibble(low) else { return nil }
        return high << 4 | low
    }
}
