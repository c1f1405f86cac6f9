import Crypto
import Foundation
import GatehouseBasics

/// The session cookie's value: a random id and a MAC over it, nothing else. The store keys the
/// session by the id's SHA-256, so neither the cookie nor the database alone is a session.
public struct SessionCookie: Sendable, Equatable {
    /// 32 random bytes, base64url.
    public let id: String

    /// A fresh, unpredictable id (a new one at every sign-in).
    public static func random() -> SessionCookie {
        SessionCookie(id: Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
    }

    init(id: String) { self.id = id }

    /// `id.mac`, for the Set-Cookie header.
    public func value(secret: SymmetricKey) -> String { "\(id).\(Self.mac(id, secret: secret))" }

    /// The cookie's id when its MAC verifies (compared in constant time); nil otherwise.
    public static func verify(_ value: Substring, secret: SymmetricKey) -> SessionCookie? {
        guard let dot = value.firstIndex(of: "."), value.utf8.count <= 200 else { return nil }
        let id = value[..<dot]
        let mac = value[value.index(after: dot)...]
        guard let given = Base64URL.decode(mac), let idData = Base64URL.decode(id), idData.count == 32 else { return nil }
        guard HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data(id.utf8), using: secret) else { return nil }
        return SessionCookie(id: String(id))
    }

    /// What the store keys the session by: hex SHA-256 of the id.
    public var storeKey: String { SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined() }

    private static func mac(_ id: String, secret: SymmetricKey) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(id.utf8), using: secret)))
    }
}
