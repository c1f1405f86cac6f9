import Foundation

/// RFC 3339 date-times as SCIM writes (`meta.created`) and filters read them.
public enum SCIMDateParser {
    /// Parses `2026-11-29T11:43:14Z`, with or without fractional seconds or an offset.
    public static func date(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// `2026-11-29T11:43:14.123Z`.
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
