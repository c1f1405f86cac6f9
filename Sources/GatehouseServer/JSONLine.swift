#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds one JSON object per log line without Foundation's encoder (the access log runs per request).
struct JSONLine {
    private(set) var text = "{"
    private var first = true

    init(level: String, message: String) {
        field("ts", JSONLine.timestamp())
        field("level", level)
        field("msg", message)
    }

    mutating func field(_ key: String, _ value: String) {
        separator()
        JSONLine.appendQuoted(key, to: &text)
        text += ":"
        JSONLine.appendQuoted(value, to: &text)
    }

    mutating func field(_ key: String, _ value: Int) {
        separator()
        JSONLine.appendQuoted(key, to: &text)
        text += ":\(value)"
    }

    mutating func field(_ key: String, milliseconds value: Double) {
        separator()
        JSONLine.appendQuoted(key, to: &text)
        text += ":\((value * 1000).rounded() / 1000)"
    }

    mutating func finish() -> String {
        text += "}"
        return text
    }

    private mutating func separator() {
        if first { first = false } else { text += "," }
    }

    static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// UTC time as RFC 3339 with milliseconds.
    static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(spec.tv_nsec / 1_000_000)
        let millisText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisText)Z"
    }
}
