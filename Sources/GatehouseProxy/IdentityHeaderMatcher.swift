import NIOHTTP1

/// Recognises every identity header a client might send, whatever its spelling.
///
/// Names match case-insensitively with `_` and `-` treated alike (some servers map one to the
/// other, so `X_Forwarded_User` would otherwise slip through as `X-Forwarded-User`).
public struct IdentityHeaderMatcher: Sendable {
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
}
