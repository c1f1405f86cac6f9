/// What a filter of a search across resource types (`POST /.search` at the base URL, RFC 7644
/// §3.4.3) asks of one type: nothing of it, all of it, or a filter on attributes it has.
public enum SCIMTypedFilter: Sendable, Equatable {
    case nothing
    case everything
    case filter(SCIMFilter)
}

extension SCIMFilter {
    /// The filter as it applies to `type`: an attribute the type does not have (`userName` for a
    /// Group) has no value there, so a test on it is decided as for an absent attribute (`eq`,
    /// `pr` and the others do not hold; `ne` and `eq null` do), and the rest is simplified
    /// (`and` with a test that cannot hold cannot hold, and so on).
    public func restricted(to type: SCIMResourceType) -> SCIMTypedFilter {
        switch self {
        case .and(let left, let right):
            switch (left.restricted(to: type), right.restricted(to: type)) {
            case (.nothing, _), (_, .nothing): return .nothing
            case (.everything, let other), (let other, .everything): return other
            case (.filter(let l), .filter(let r)): return .filter(.and(l, r))
            }
        case .or(let left, let right):
            switch (left.restricted(to: type), right.restricted(to: type)) {
            case (.everything, _), (_, .everything): return .everything
            case (.nothing, let other), (let other, .nothing): return other
            case (.filter(let l), .filter(let r)): return .filter(.or(l, r))
            }
        case .not(let inner):
            switch inner.restricted(to: type) {
            case .nothing: return .everything
            case .everything: return .nothing
            case .filter(let filter): return .filter(.not(filter))
            }
        case .present(let path), .valuePath(let path, _), .valuePathAttribute(let path, _, _, .present):
            return type.has(path) ? .filter(self) : .nothing
        case .compare(let path, let comparison, let value), .valuePathAttribute(let path, _, _, .compare(let comparison, let value)):
            if type.has(path) { return .filter(self) }
            let holds = (try? SCIMFilterEvaluator.holds(comparison, value, [], caseExact: false)) ?? false
            return holds ? .everything : .nothing
        }
    }

    /// Every attribute path the filter names at the resource level (not inside value paths).
    public var attributePaths: [SCIMAttributePath] {
        switch self {
        case .and(let left, let right), .or(let left, let right): return left.attributePaths + right.attributePaths
        case .not(let inner): return inner.attributePaths
        case .present(let path), .compare(let path, _, _), .valuePath(let path, _), .valuePathAttribute(let path, _, _, _): return [path]
        }
    }
}

extension SCIMResourceType {
    /// Whether a filter's path names an attribute of this type (`schemas` is one of every type).
    public func has(_ path: SCIMAttributePath) -> Bool {
        path.isSchemas || locate(schema: path.schema, name: path.name) != nil
    }
}
