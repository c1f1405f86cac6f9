import Crypto
import Foundation
import GatehouseBasics
import GatehouseSCIM

/// SCIM bearer tokens for `gatehouse tenant`: minted here, shown once, and only their SHA-256
/// goes into the configuration.
public enum SCIMTokenMinting {
    /// 32 random bytes, base64url: a new SCIM bearer token.
    public static func newToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Base64URL.encode($0) }
    }

    /// The hex SHA-256 that `scim_token_sha256` lists.
    public static func sha256(of token: String) -> String { SCIMBearerToken.hash(token) }
}
