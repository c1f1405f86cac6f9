/// A `public_paths` regex, compiled to a plain prefix or exact comparison when it is one
/// (`^/static/`, `^/healthz$`), which is most of them and far cheaper than a regex per request.
public enum PathPattern: @unchecked Sendable {
    case prefix(String)
    case exact(String)
    case regex(Regex<AnyRegexOutput>)

    /// Compiles a pattern that `ConfigValidator` already checked.
    public init(_ pattern: String) throws {
        if let literal = PathPattern.anchoredLiteral(pattern) {
            self = literal.exact ? .exact(literal.text) : .prefix(literal.text)
        } else {
            self = .regex(try Regex(pattern))
        }
    }

    /// Matches the path only: callers pass the request target up to `?`, never the query.
    public func matches(_ path: Substring) -> Bool {
        switch self {
        case .prefix(let prefix): return path.hasPrefix(prefix)
        case .exact(let text): return path == text
        case .regex(let regex): return (try? regex.firstMatch(in: path)) != nil
        }
    }

    /// `^literal` or `^literal$` where the literal has no regex syntax but `\.`, `\/`, `\-`.
    static func anchoredLiteral(_ pattern: String) -> (text: String, exact: Bool)? {
        guard pattern.hasPrefix("^") else { return nil }
        var body = pattern.dropFirst()
        var exact = false
        if body.hasSuffix("$") && !body.hasSuffix("\\$") {
            exact = true
            body = body.dropLast()
        }
        var text = ""
        var iterator = body.makeIterator()
        while let character = iterator.next() {
            if character == "\\" {
                guard let escaped = iterator.next(), "./-_~".contains(escaped) else { return nil }
                text.append(escaped)
            } else if "^$.*+?()[]{}|".contains(character) {
                return nil
            } else {
                text.append(character)
            }
        }
        return (text, exact)
    }
}
