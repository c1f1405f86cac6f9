/// Reads the whole RFC 7644 §3.4.2.2 filter grammar: comparisons, `pr`, `and` (binding tighter
/// than `or`), `not (…)`, grouping parentheses and value paths (`emails[type eq "work"]`), also
/// followed by a sub-attribute and its test (`emails[type eq "work"].value eq "x@y"`, as Entra
/// sends it; RFC 7644's PATCH path grammar, outside its filter grammar).
/// Operators and keywords are case-insensitive; nesting and length are bounded.
public enum SCIMFilterParser {
    public static let maximumLength = 4_096
    public static let maximumDepth = 32

    public static func parse(_ text: String) throws(SCIMFilterError) -> SCIMFilter {
        guard text.utf8.count <= maximumLength else { throw SCIMFilterError(offset: maximumLength, message: "longer than \(maximumLength) bytes") }
        var parser = Parser(tokens: try SCIMFilterLexer.tokens(text), end: text.utf8.count)
        let filter = try parser.orExpression(depth: 0, inValuePath: false)
        if let (_, offset) = parser.peek() { throw SCIMFilterError(offset: offset, message: "unexpected text after the filter") }
        return filter
    }

    /// An attribute path on its own (also PATCH paths' first part).
    public static func attributePath(_ word: String, offset: Int = 0) throws(SCIMFilterError) -> SCIMAttributePath {
        var rest = Substring(word)
        var schema: String?
        if let colon = word.lastIndex(of: ":") {
            let uri = String(word[..<colon])
            guard uri.lowercased().hasPrefix("urn:") else { throw SCIMFilterError(offset: offset, message: "\(word) is not an attribute path") }
            schema = uri
            rest = word[word.index(after: colon)...]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy(isAttributeName) else {
            throw SCIMFilterError(offset: offset, message: "\(word) is not an attribute path")
        }
        return SCIMAttributePath(schema: schema, name: String(parts[0]), subAttribute: parts.count == 2 ? String(parts[1]) : nil)
    }

    /// ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_"), and `$ref`.
    static func isAttributeName(_ name: Substring) -> Bool {
        if name == "$ref" { return true }
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }

    private struct Parser {
        let tokens: [(token: SCIMFilterToken, offset: Int)]
        let end: Int
        var position = 0

        func peek() -> (SCIMFilterToken, Int)? { position < tokens.count ? tokens[position] : nil }

        mutating func next() throws(SCIMFilterError) -> (SCIMFilterToken, Int) {
            guard position < tokens.count else { throw SCIMFilterError(offset: end, message: "the filter ends too early") }
            defer { position += 1 }
            return tokens[position]
        }

        func peekKeyword(_ keyword: String) -> Bool {
            if case .word(let word)? = peek()?.0 { return word.lowercased() == keyword }
            return false
        }

        mutating func expect(_ token: SCIMFilterToken, _ what: String) throws(SCIMFilterError) {
            let (found, offset) = try next()
            guard found == token else { throw SCIMFilterError(offset: offset, message: "expected \(what)") }
        }

        mutating func orExpression(depth: Int, inValuePath: Bool) throws(SCIMFilterError) -> SCIMFilter {
            guard depth < SCIMFilterParser.maximumDepth else {
                throw SCIMFilterError(offset: peek()?.1 ?? end, message: "nested deeper than \(SCIMFilterParser.maximumDepth)")
            }
            var left = try andExpression(depth: depth, inValuePath: inValuePath)
            while peekKeyword("or") {
                position += 1
                left = .or(left, try andExpression(depth: depth, inValuePath: inValuePath))
            }
            return left
        }

        mutating func andExpression(depth: Int, inValuePath: Bool) throws(SCIMFilterError) -> SCIMFilter {
            var left = try unary(depth: depth, inValuePath: inValuePath)
            while peekKeyword("and") {
                position += 1
                left = .and(left, try unary(depth: depth, inValuePath: inValuePath))
            }
            return left
        }

        mutating func unary(depth: Int, inValuePath: Bool) throws(SCIMFilterError) -> SCIMFilter {
            if peekKeyword("not") {
                position += 1
                try expect(.open, "( after not")
                let inner = try orExpression(depth: depth + 1, inValuePath: inValuePath)
                try expect(.close, ")")
                return .not(inner)
            }
            if case .open? = peek()?.0 {
                position += 1
                let inner = try orExpression(depth: depth + 1, inValuePath: inValuePath)
                try expect(.close, ")")
                return inner
            }
            return try attributeExpression(depth: depth, inValuePath: inValuePath)
        }

        mutating func attributeExpression(depth: Int, inValuePath: Bool) throws(SCIMFilterError) -> SCIMFilter {
            let (token, offset) = try next()
            guard case .word(let word) = token else { throw SCIMFilterError(offset: offset, message: "expected an attribute path") }
            let path = try SCIMFilterParser.attributePath(word, offset: offset)
            if case .openBracket? = peek()?.0 {
                guard !inValuePath, path.subAttribute == nil else {
                    throw SCIMFilterError(offset: offset, message: "a value path cannot be nested or have a sub-attribute before [")
                }
                position += 1
                let inner = try orExpression(depth: depth + 1, inValuePath: true)
                let (close, closeOffset) = try next()
                guard close == .closeBracket else { throw SCIMFilterError(offset: closeOffset, message: "expected ]") }
                // `emails[type eq "work"].value eq "x"`: a sub-attribute written right after the bracket.
                if case (.word(let word), let wordOffset)? = peek(), wordOffset == closeOffset + 1, word.hasPrefix(".") {
                    position += 1
                    let subAttribute = word.dropFirst()
                    guard SCIMFilterParser.isAttributeName(subAttribute) else {
                        throw SCIMFilterError(offset: wordOffset, message: "\(word) is not a sub-attribute")
                    }
                    return .valuePathAttribute(path, inner, subAttribute: String(subAttribute), try test())
                }
                return .valuePath(path, inner)
            }
            switch try test() {
            case .present: return .present(path)
            case .compare(let comparison, let value): return .compare(path, comparison, value)
            }
        }

        /// `pr`, or an operator and its value.
        mutating func test() throws(SCIMFilterError) -> SCIMAttributeTest {
            let (operatorToken, operatorOffset) = try next()
            guard case .word(let name) = operatorToken else { throw SCIMFilterError(offset: operatorOffset, message: "expected an operator") }
            let lowered = name.lowercased()
            if lowered == "pr" { return .present }
            guard let comparison = SCIMComparison(rawValue: lowered) else {
                throw SCIMFilterError(offset: operatorOffset, message: "\(name) is not an operator")
            }
            return .compare(comparison, try value())
        }

        mutating func value() throws(SCIMFilterError) -> SCIMValue {
            let (token, offset) = try next()
            switch token {
            case .string(let string): return .string(string)
            case .word("true"): return .bool(true)
            case .word("false"): return .bool(false)
            case .word("null"): return .null
            case .word(let word) where SCIMFilterParser.isJSONNumber(word): return .number(word)
            default: throw SCIMFilterError(offset: offset, message: "expected a string, number, true, false or null")
            }
        }
    }

    /// RFC 8259 number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isJSONNumber(_ word: String) -> Bool {
        var bytes = Array(word.utf8)[...]
        func digits() -> Int {
            let count = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "0") {
            bytes = bytes.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
