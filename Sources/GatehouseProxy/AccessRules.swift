import GatehouseConfig
import NIOHTTP1

/// `rules`: under a path prefix (and for some methods), only some roles. The first rule whose
/// prefix and methods match decides; no matching rule allows any signed-in role.
public struct AccessRules: Sendable {
    private let rules: [AccessRule]

    public init(_ rules: [AccessRule]) { self.rules = rules }

    public func allows(role: String, method: HTTPMethod, path: Substring) -> Bool {
        for rule in rules where path.hasPrefix(rule.pathPrefix) {
            if !rule.methods.isEmpty && !rule.methods.contains(where: { $0.uppercased() == method.rawValue }) { continue }
            return rule.roles.contains(role)
        }
        return true
    }
}
