import GatehouseConfig
import NIOHTTP1

/// `rules`: under a path prefix (and for some methods), only some roles. The first rule whose
/// prefix and methods match decides; no matching rule allows any signed-in role.
///
/// A rule restricts, so it matches as broadly as any upstream might read the request: the prefix
/// in any reading of the path (`RequestPath`), case-insensitively, `/admin` under `/admin/`,
/// HEAD counted as GET (every framework serves HEAD with the GET handler), and POST counted as
/// PUT, PATCH and DELETE too (Rails, Laravel, Symfony and Express's method-override turn a POST
/// with a `_method` field into one of them, which Gatehouse cannot see in the body).
public struct AccessRules: Sendable {
    private struct CompiledRule: Sendable {
        /// Lower-cased UTF-8.
        let prefix: [UInt8]
        /// Upper-cased, with HEAD folded into GET; empty means every method.
        let methods: Set<String>
        let roles: [String]
    }

    private let rules: [CompiledRule]

    public init(_ rules: [AccessRule]) {
        self.rules = rules.map { rule in
            CompiledRule(
                prefix: Array(rule.pathPrefix.lowercased().utf8), methods: Set(rule.methods.map { Self.methodKey($0) }), roles: rule.roles)
        }
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Whether `role` may make this request.
    /// - Parameter method: nil when the method is unknown (forward-auth without a trusted
    ///   `X-Forwarded-Method`): then every rule on the path applies, whatever methods it lists.
    public func allows(role: String, method: HTTPMethod?, path: RequestPath) -> Bool {
        let key = method.map { Self.methodKey($0.rawValue) }
        for rule in rules where path.isUnder(rule.prefix) {
            if let key, !rule.methods.isEmpty && !rule.methods.contains(key) {
                guard key == "POST", !rule.methods.isDisjoint(with: Self.overridableMethods) else { continue }
            }
            return rule.roles.contains(role)
        }
        return true
    }

    /// What a POST may become in the upstream's hands.
    private static let overridableMethods: Set<String> = ["PUT", "PATCH", "DELETE"]

    private static func methodKey(_ method: String) -> String {
        let upper = method.uppercased()
        return upper == "HEAD" ? "GET" : upper
    }
}
