/// No SCIM string holds a control character (DESIGN.md: no value becomes a header it was not
/// meant to be). Refused, fail-closed, in every string and object key a request body carries and
/// in every string of a filter:
/// - C0, U+0000–U+001F, tab included: no SCIM attribute needs one, and CR, LF and NUL are what
///   split a header or a request;
/// - DEL, U+007F;
/// - C1, U+0080–U+009F: U+0085 (NEL) is a line break to some readers;
/// - U+2028 and U+2029, the Unicode line and paragraph separators, line breaks to others.
///
/// Format characters (zero-width joiners, bidi marks, BOM) and every other printable character
/// stay allowed: names in many scripts need them, and none of them ends a line.
public enum SCIMControlCharacters {
    /// Whether `scalar` is refused in a SCIM string.
    public static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }

    /// The first refused character of `text`, or nil. One pass over the UTF-8 bytes: a refused
    /// character is a byte below 0x20, 0x7F, or a sequence starting 0xC2 (C1) or 0xE2 (U+2028/9);
    /// only a string holding one of those leading bytes is decoded.
    public static func first(in text: String) -> Unicode.Scalar? {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) else { return nil }
        return text.unicodeScalars.first(where: isRefused)
    }

    /// Throws 400 `invalidValue` when any string or key anywhere in `body` holds a refused
    /// character. The detail names where (`emails[0].value`) and which (`U+000D`), never the value.
    public static func check(_ body: JSONValue) throws {
        guard contains(body) else { return }
        let found = locate(body, at: "") ?? Found(path: "", scalar: "\u{0}", inName: false)
        let place =
            found.inName ? "An attribute name in \(found.path.isEmpty ? "the body" : found.path)" : (found.path.isEmpty ? "The body" : found.path)
        throw SCIMError.invalidValue(
            "\(place) holds a control character (\(name(found.scalar))); SCIM strings may not contain control characters.")
    }

    /// Throws 400 `invalidFilter` when a string value of `filter` holds a refused character: no
    /// stored value can hold one, and the rule has no exception.
    public static func check(_ filter: SCIMFilter) throws {
        if let scalar = firstInValues(of: filter) {
            throw SCIMError.invalidFilter(
                "A string in the filter holds a control character (\(name(scalar))); SCIM strings may not contain control characters.")
        }
    }

    /// `U+000D`.
    static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The fast test: no path is built unless something is refused.
    private static func contains(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return first(in: text) != nil
        case .array(let elements): return elements.contains(where: contains)
        case .object(let fields): return fields.contains { first(in: $0.key) != nil || contains($0.value) }
        case .null, .bool, .number: return false
        }
    }

    private struct Found {
        var path: String
        var scalar: Unicode.Scalar
        /// In an object key of the value at `path`, not in a string value.
        var inName: Bool
    }

    /// Where the refused character is, walking keys in sorted order so the answer is the same on
    /// every run; names in the path are cut to 64 characters.
    private static func locate(_ value: JSONValue, at path: String) -> Found? {
        switch value {
        case .string(let text): return first(in: text).map { Found(path: path, scalar: $0, inName: false) }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let found = locate(element, at: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let fields):
            for key in fields.keys.sorted() {
                if let scalar = first(in: key) { return Found(path: path, scalar: scalar, inName: true) }
                let component = key.count > 64 ? String(key.prefix(64)) + "…" : key
                if let found = locate(fields[key] ?? .null, at: path.isEmpty ? component : "\(path).\(component)") { return found }
            }
            return nil
        case .null, .bool, .number: return nil
        }
    }

    private static func firstInValues(of filter: SCIMFilter) -> Unicode.Scalar? {
        switch filter {
        case .compare(_, _, let value): return firstInString(value)
        case .present: return nil
        case .valuePathAttribute(_, let inner, _, let test):
            if case .compare(_, let value) = test, let scalar = firstInString(value) { return scalar }
            return firstInValues(of: inner)
        case .not(let inner), .valuePath(_, let inner): return firstInValues(of: inner)
        case .and(let left, let right), .or(let left, let right): return firstInValues(of: left) ?? firstInValues(of: right)
        }
    }

    private static func firstInString(_ value: SCIMValue) -> Unicode.Scalar? {
        if case .string(let text) = value { return first(in: text) }
        return nil
    }
}
