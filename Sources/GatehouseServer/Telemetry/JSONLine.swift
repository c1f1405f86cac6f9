import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds one JSON object per log line as UTF-8 bytes, without Foundation's encoder: the access
/// log runs on every request.
struct JSONLine {
    private(set) var bytes: [UInt8] = []
    private var first = true

    init(level: String, message: String) {
        bytes.reserveCapacity(256)
        bytes.append(UInt8(ascii: "{"))
        key("ts")
        bytes.append(UInt8(ascii: "\""))
        JSONLine.appendTimestamp(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        field("level", level)
        field("msg", message)
    }

    mutating func field(_ key: String, _ value: String) {
        self.key(key)
        JSONLine.appendQuoted(value, to: &bytes)
    }

    mutating func field(_ key: String, _ value: Int) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A duration as milliseconds with three decimals (microsecond resolution), e.g. `2.345`.
    mutating func field(_ key: String, milliseconds duration: Duration) {
        self.key(key)
        let (seconds, attoseconds) = duration.components
        let microseconds = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        bytes.append(contentsOf: String(microseconds / 1_000).utf8)
        bytes.append(UInt8(ascii: "."))
        JSONLine.appendDigits(Int(microseconds % 1_000), width: 3, to: &bytes)
    }

    /// The finished line as UTF-8 bytes (without the newline).
    mutating func finishBytes() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The finished line as a string (without the newline).
    mutating func finish() -> String {
        String(decoding: finishBytes(), as: UTF8.self)
    }

    private mutating func key(_ key: String) {
        if first { first = false } else { bytes.append(UInt8(ascii: ",")) }
        JSONLine.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = value.utf8
        // Most values need no escaping at all: copy them whole.
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
        } else {
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5c, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5c, 0x5c])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [0x5c, UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [0x5c, UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [0x5c, UInt8(ascii: "t")])
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends the UTC time as RFC 3339 with milliseconds; the part down to the second is
    /// formatted once per second per thread.
    static func appendTimestamp(to bytes: inout [UInt8]) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        bytes.append(contentsOf: TimestampCache.current.secondsPrefix(for: spec.tv_sec))
        appendDigits(Int(spec.tv_nsec / 1_000_000), width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.` for the current second, kept per thread so no lock is taken.
/// Unchecked Sendable: each instance is only ever used by the one thread that stores it.
final class TimestampCache: @unchecked Sendable {
    private var second = -1
    private var prefix: [UInt8] = []

    private static let perThread = ThreadSpecificVariable<TimestampCache>()

    static var current: TimestampCache {
        if let cache = perThread.currentValue { return cache }
        let cache = TimestampCache()
        perThread.currentValue = cache
        return cache
    }

    func secondsPrefix(for seconds: Int) -> [UInt8] {
        if seconds == second { return prefix }
        var time = seconds
        var parts = tm()
        gmtime_r(&time, &parts)
        var text: [UInt8] = []
        text.reserveCapacity(20)
        JSONLine.appendDigits(Int(parts.tm_year) + 1900, width: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        JSONLine.appendDigits(Int(parts.tm_mon) + 1, width: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        JSONLine.appendDigits(Int(parts.tm_mday), width: 2, to: &text)
        text.append(UInt8(ascii: "T"))
        JSONLine.appendDigits(Int(parts.tm_hour), width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        JSONLine.appendDigits(Int(parts.tm_min), width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        JSONLine.appendDigits(Int(parts.tm_sec), width: 2, to: &text)
        text.append(UInt8(ascii: "."))
        second = seconds
        prefix = text
        return text
    }
}
