import GatehouseBasics

/// A request's path, decided once for every way an upstream may read it.
///
/// Frameworks read one request target differently: Tomcat and Spring drop `;` parameters
/// (`/admin;x/` is `/admin/`), nginx and Django merge slashes, everyone percent-decodes
/// (`/%61dmin` is `/admin`), some match case-insensitively. Gatehouse keeps every distinct reading:
/// a role rule restricts, so it applies when any reading falls under it (compared case-insensitively);
/// a public path grants, so it applies only when the spelling as sent and every reading match it.
/// A target that some reading turns into a dot segment, a separator or a control character is
/// refused outright (browsers never send one), so no reading can climb out of a prefix.
public struct RequestPath: Sendable {
    /// The path as sent, up to `?`.
    public let raw: Substring
    /// The other readings (decoded, slashes merged, `;` parameters dropped or kept); empty when
    /// the path has no `%`, `;` or `//` and so means the same to every reader (the common case).
    public let readings: [String]

    /// Whether every reader sees the spelling as sent.
    public var isUnambiguous: Bool { readings.isEmpty }

    /// Decides an origin-form target (`/path?query`); nil when it must be refused.
    public init?(target: String) {
        let path = target[..<(target.firstIndex(of: "?") ?? target.endIndex)]
        guard path.utf8.first == UInt8(ascii: "/") else { return nil }
        raw = path
        var needsReadings = false
        var previous: UInt8 = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: ";") || byte >= 0x80 || (byte == UInt8(ascii: "/") && previous == byte) {
                needsReadings = true
            }
            // A fragment never belongs in a request: nginx, Express and Puma cut the path there
            // (`/admin#x` is `/admin`, `/public/..#` climbs out of `/public/`).
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "#") || byte < 0x20 || byte == 0x7f { return nil }
            previous = byte
        }
        guard needsReadings else {
            guard !Self.hasDotSegment(path.utf8) else { return nil }
            readings = []
            return
        }
        guard case .decoded(let decoded) = Self.percentDecoded(path.utf8) else { return nil }
        let rawBytes = Array(path.utf8)
        var candidates = [
            rawBytes,
            decoded,
            Self.mergingSlashes(decoded),
            Self.mergingSlashes(Self.droppingParameters(decoded)),
            // Tomcat drops parameters before it decodes, so `%3B` stays in the path.
            Self.percentDecoded(Self.droppingParameters(rawBytes)).bytes.map(Self.mergingSlashes) ?? [],
        ]
        if decoded.contains(UInt8(ascii: "%")) {
            // `%2561` is `%61` once decoded and `a` to a stack that decodes twice (a proxy, then the app).
            switch Self.percentDecoded(decoded) {
            case .decoded(let twice): candidates += [twice, Self.mergingSlashes(Self.droppingParameters(twice))]
            case .malformed: break  // a literal `%` (`/100%25`): nobody decodes it again
            case .refused: return nil
            }
        }
        var seen: Set<[UInt8]> = [rawBytes]
        var readings: [String] = []
        for candidate in candidates {
            guard !Self.hasDotSegment(candidate), !Self.hasCaseConfusable(candidate) else { return nil }
            if seen.insert(candidate).inserted { readings.append(String(decoding: candidate, as: UTF8.self)) }
        }
        self.readings = readings
    }

    /// Whether a rule's prefix covers this path in any reading: case-insensitively, and a prefix
    /// ending in `/` covers the bare directory too (`/admin/` covers `/admin`).
    /// - Parameter prefix: lower-cased UTF-8.
    public func isUnder(_ prefix: [UInt8]) -> Bool {
        if Self.isUnder(prefix, raw.utf8) { return true }
        return readings.contains { Self.isUnder(prefix, $0.utf8) }
    }

    private static func isUnder(_ prefix: [UInt8], _ path: some Collection<UInt8>) -> Bool {
        var index = path.startIndex
        for (offset, expected) in prefix.enumerated() {
            guard index != path.endIndex else {
                // `/admin` under `/admin/`: the path ends exactly where the prefix's last slash is.
                return offset == prefix.count - 1 && expected == UInt8(ascii: "/")
            }
            let byte = path[index]
            guard (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) == expected else { return false }
            index = path.index(after: index)
        }
        return true
    }

    /// Percent-decodes every escape; an escaped separator (`/`, `\`) or control character is
    /// `.refused`: it only ever serves to confuse path matching.
    static func percentDecoded(_ bytes: some Collection<UInt8>) -> PercentEncoding.Decoding {
        PercentEncoding.decode(bytes) { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 == 0x7f }
    }

    /// Drops each segment's `;` parameters (`/a;x/b;y=1` is `/a/b`), as servlet containers do.
    static func droppingParameters(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var inParameters = false
        for byte in bytes {
            if byte == UInt8(ascii: "/") {
                inParameters = false
            } else if byte == UInt8(ascii: ";") {
                inParameters = true
            }
            if !inParameters { output.append(byte) }
        }
        return output
    }

    static func mergingSlashes(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for byte in bytes where !(byte == UInt8(ascii: "/") && output.last == byte) { output.append(byte) }
        return output
    }

    /// Bytes that are no UTF-8 at all (overlong `C0`/`C1` leads, `F5`–`FF`) and the letters whose
    /// Unicode case mapping lands in ASCII (`ı` and `İ` fold to `i`, `ſ` to `s`, the Kelvin sign to
    /// `k`, the Ångström sign to `å`): Java's `equalsIgnoreCase` and case-insensitive routers read
    /// `/adm%C4%B1n` as `/admin`. No honest path needs them, so they are refused.
    static func hasCaseConfusable(_ bytes: [UInt8]) -> Bool {
        for (index, byte) in bytes.enumerated() where byte >= 0xC0 {
            if byte == 0xC0 || byte == 0xC1 || byte >= 0xF5 { return true }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            let third = index + 2 < bytes.count ? bytes[index + 2] : 0
            if byte == 0xC4 && (next == 0xB0 || next == 0xB1) { return true }
            if byte == 0xC5 && next == 0xBF { return true }
            if byte == 0xE2 && next == 0x84 && (third == 0xAA || third == 0xAB) { return true }
        }
        return false
    }

    /// Whether a segment is `.` or `..`, scanned without allocating (the hot path calls it).
    static func hasDotSegment(_ bytes: some Sequence<UInt8>) -> Bool {
        // Bytes of the current segment seen so far, and whether all were dots (up to two).
        var length = 0
        var onlyDots = true
        for byte in bytes {
            if byte == UInt8(ascii: "/") {
                if onlyDots && length > 0 { return true }
                length = 0
                onlyDots = true
            } else {
                length += 1
                onlyDots = onlyDots && byte == UInt8(ascii: ".") && length <= 2
            }
        }
        return onlyDots && length > 0
    }
}
