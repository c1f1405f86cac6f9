/// Writes a filter back as text that parses to the same tree: canonical lower-case operators,
/// JSON strings, and parentheses only where precedence needs them.
public enum SCIMFilterPrinter {
    public static func print(_ filter: SCIMFilter) -> String {
        switch filter {
        case .compare(let path, let comparison, let value): return "\(print(path)) \(comparison.rawValue) \(print(value))"
        case .present(let path): return "\(print(path)) pr"
        case .not(let inner): return "not (\(print(inner)))"
        case .valuePath(let path, let inner): return "\(print(path))[\(print(inner))]"
        case .valuePathAttribute(let path, let inner, let subAttribute, .present): return "\(print(path))[\(print(inner))].\(subAttribute) pr"
        case .valuePathAttribute(let path, let inner, let subAttribute, .compare(let comparison, let value)):
            return "\(print(path))[\(print(inner))].\(subAttribute) \(comparison.rawValue) \(print(value))"
        case .or(let left, let right):
            // `or` is left-associative: a right-hand `or` needs its parentheses.
            return "\(print(left)) or \(grouped(right, when: { if case .or = $0 { return true } else { return false } }))"
        case .and(let left, let right):
            let leftText = grouped(left) { if case .or = $0 { return true } else { return false } }
            let rightText = grouped(right) {
                switch $0 {
                case .or, .and: return true
                default: return false
                }
            }
            return "\(leftText) and \(rightText)"
        }
    }

    private static func grouped(_ filter: SCIMFilter, when needsParentheses: (SCIMFilter) -> Bool) -> String {
        needsParentheses(filter) ? "(\(print(filter)))" : print(filter)
    }

    public static func print(_ path: SCIMAttributePath) -> String {
        (path.schema.map { $0 + ":" } ?? "") + path.name + (path.subAttribute.map { "." + $0 } ?? "")
    }

    public static func print(_ value: SCIMValue) -> String {
        switch value {
        case .string(let string): return quoted(string)
        case .number(let number): return number
        case .bool(let bool): return bool ? "true" : "false"
        case .null: return "null"
        }
    }

    /// A JSON string literal, written by the same JSON writer as every response.
    static func quoted(_ string: String) -> String { JSONValue.string(string).jsonText }
}
