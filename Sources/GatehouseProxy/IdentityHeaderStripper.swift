import NIOHTTP1

/// Removes every identity header a client might send, whatever its spelling.
///
/// Names match case-insensitively with `_` and `-` treated alike (some servers map one to the
/// other, so `X_Forwarded_User` would otherwise slip through as `X-Forwarded-User`).
public struct IdentityHeaderStripper: Sendable {
    private let normalisedNames: Set<String>
    /// Byte lengths of the names: most headers are rejected by length alone, without allocating.
    private let lengths: Set<Int>

    public init(names: [String]) {
        normalisedNames = Set(names.map(Self.normalise))
        lengths = Set(names.map(\.utf8.count))
    }

    static func normalise(_ name: String) -> String {
        String(
            decoding: name.utf8.map { byte in
                if byte == UInt8(ascii: "_") { return UInt8(ascii: "-") }
                if byte >= 0x41 && byte <= 0x5a { return byte + 0x20 }
                return byte
            }, as: UTF8.self)
    }

    /// Whether `name` is one of the identity headers.
    public func isIdentityHeader(_ name: String) -> Bool {
        lengths.contains(name.utf8.count) && normalisedNames.contains(Self.normalise(name))
    }

    /// Removes every identity header from `headers`; returns how many were removed.
    @discardableResult
    public func strip(_ headers: inout HTTPHeaders) -> Int {
        var found: [String] = []
        for (name, _) in headers where isIdentityHeader(name) { found.append(name) }
        for name in found { headers.remove(name: name) }
        return found.count
    }
}
