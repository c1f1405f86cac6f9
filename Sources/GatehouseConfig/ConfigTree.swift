import Yams

/// A YAML document reduced to what configuration needs: scalars, lists and ordered maps.
/// Environment overrides are applied to this tree before it is read, so both report problems
/// through the same paths.
indirect enum ConfigTree: Equatable, Sendable {
    case scalar(String, isNull: Bool)
    case list([ConfigTree])
    case map([(key: String, value: ConfigTree)])

    static func == (lhs: ConfigTree, rhs: ConfigTree) -> Bool {
        switch (lhs, rhs) {
        case let (.scalar(a, an), .scalar(b, bn)): return a == b && an == bn
        case let (.list(a), .list(b)): return a == b
        case let (.map(a), .map(b)): return a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: return false
        }
    }

    /// Parses YAML text; an empty document is an empty map.
    static func parse(yaml: String) throws -> ConfigTree {
        guard let node = try Yams.compose(yaml: yaml) else { return .map([]) }
        return try ConfigTree(node: node)
    }

    init(node: Node) throws {
        switch node {
        case .scalar(let scalar):
            let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            self = .scalar(scalar.string, isNull: isNull)
        case .sequence(let sequence):
            self = .list(try sequence.map { try ConfigTree(node: $0) })
        case .mapping(let mapping):
            self = .map(
                try mapping.map { pair in
                    guard case .scalar(let key) = pair.key else { throw ConfigTreeError.nonScalarKey }
                    return (key: key.string, value: try ConfigTree(node: pair.value))
                })
        case .alias:
            throw ConfigTreeError.aliasesUnsupported
        }
    }

    /// Sets `value` at `path` (map keys only), creating maps on the way.
    func setting(_ value: ConfigTree, at path: ArraySlice<String>) -> ConfigTree {
        guard let head = path.first else { return value }
        var pairs: [(key: String, value: ConfigTree)] = []
        if case .map(let existing) = self { pairs = existing }
        if let index = pairs.firstIndex(where: { $0.key == head }) {
            pairs[index].value = pairs[index].value.setting(value, at: path.dropFirst())
        } else {
            pairs.append((key: head, value: ConfigTree.map([]).setting(value, at: path.dropFirst())))
        }
        return .map(pairs)
    }
}

enum ConfigTreeError: Error, CustomStringConvertible {
    case nonScalarKey
    case aliasesUnsupported

    var description: String {
        switch self {
        case .nonScalarKey: return "mapping keys must be plain strings"
        case .aliasesUnsupported: return "YAML anchors and aliases are not supported"
        }
    }
}
