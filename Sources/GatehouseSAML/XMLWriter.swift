/// Writes the XML of every message Gatehouse sends (AuthnRequest, LogoutRequest, LogoutResponse,
/// SP metadata, the dev IdP's responses): elements in order, attributes in the order given, every
/// attribute value and text escaped. The one place outgoing XML is spelled.
public struct XMLWriter: Sendable {
    /// The document so far.
    public private(set) var xml: String

    /// - Parameter declaration: start with `<?xml version="1.0" encoding="UTF-8"?>`.
    public init(declaration: Bool = false) {
        xml = declaration ? #"<?xml version="1.0" encoding="UTF-8"?>"# : ""
    }

    /// `<name a="v"…>`, the content, `</name>`.
    public mutating func element(_ name: String, _ attributes: [(String, String)] = [], content: (inout XMLWriter) -> Void) {
        open(name, attributes)
        content(&self)
        xml += "</\(name)>"
    }

    /// `<name a="v"…>text</name>`.
    public mutating func element(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        open(name, attributes)
        xml += Self.escapedText(text)
        xml += "</\(name)>"
    }

    /// `<name a="v"…/>`.
    public mutating func empty(_ name: String, _ attributes: [(String, String)] = []) {
        xml += "<\(name)"
        write(attributes)
        xml += "/>"
    }

    private mutating func open(_ name: String, _ attributes: [(String, String)]) {
        xml += "<\(name)"
        write(attributes)
        xml += ">"
    }

    private mutating func write(_ attributes: [(String, String)]) {
        for (name, value) in attributes { xml += #" \#(name)="\#(Self.escapedAttribute(value))""# }
    }

    /// Text content: `&`, `<` and `>` escaped.
    public static func escapedText(_ value: String) -> String { escaped(value, quotes: false) }

    /// An attribute value (either quote): the text escapes and both quotes.
    public static func escapedAttribute(_ value: String) -> String { escaped(value, quotes: true) }

    // By scalar, not by Character: a combining mark after `&` or `"` must not hide it.
    private static func escaped(_ value: String, quotes: Bool) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"" where quotes: escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'" where quotes: escaped.append(contentsOf: "&apos;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
