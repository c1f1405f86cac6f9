import Crypto
import Foundation
import GatehouseBasics

/// Keys derived from the one session secret, one per purpose, so a MAC made for one cookie can
/// never be accepted as another.
public struct SessionSecrets: Sendable {
    public let sessionCookie: SymmetricKey
    public let pendingSignIns: SymmetricKey
    public let csrf: SymmetricKey

    public init(secret: [UInt8]) {
        let input = SymmetricKey(data: secret)
        func derive(_ purpose: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: input, info: Data("gatehouse \(purpose)".utf8), outputByteCount: 32)
        }
        sessionCookie = derive("session cookie")
        pendingSignIns = derive("pending sign-ins")
        csrf = derive("csrf")
    }
}

/// A form's CSRF token: the MAC of a random nonce that also sits in a SameSite cookie; a
/// cross-site page can neither read the cookie nor make the token.
public enum CSRFToken {
    public static func nonce() -> String { Base64URL.encode(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }) }

    public static func token(for nonce: String, secret: SymmetricKey) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(nonce.utf8), using: secret)))
    }

    public static func isValid(token: String?, nonce: String?, secret: SymmetricKey) -> Bool {
        guard let token, let nonce, !nonce.isEmpty, let mac = Base64URL.decode(Substring(token)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(nonce.utf8), using: secret)
    }
}
