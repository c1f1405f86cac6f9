import Foundation

/// `xs:dateTime` as SAML uses it: UTC, with or without fractional seconds.
enum SAMLTime {
    static func parse(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? withFraction.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// A required time attribute, or `malformedTime`.
    static func required(_ element: String, _ attribute: String, _ value: String?) throws(SAMLValidationError) -> Date {
        guard let value, let date = parse(value) else {
            throw SAMLValidationError(.malformedTime, context: "\(element)@\(attribute) is missing or not a dateTime")
        }
        return date
    }
}
