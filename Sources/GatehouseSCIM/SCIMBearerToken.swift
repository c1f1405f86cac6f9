import Crypto
import Foundation
import GatehouseBasics

/// SCIM bearer tokens: configuration holds only their SHA-256 (hex), several per tenant for
/// rotation; a presented token is hashed and compared with every hash in constant time.
public enum SCIMBearerToken {
    /// The token from an `Authorization: Bearer …` header value.
    public static func token(fromAuthorization header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingWhitespaces()
        return token.isEmpty ? nil : token
    }

    /// Whether the token's SHA-256 is one of `hashes`. Every hash is compared, each in constant
    /// time, so timing tells nothing about which (or whether a prefix) matched.
    public static func matches(_ token: String, hashes: [String]) -> Bool { SCIMPresentedToken(token).matches(hashes) }

    /// The hex SHA-256 that goes into `scim_token_sha256` for a token.
    public static func hash(_ token: String) -> String { hex(SCIMPresentedToken(token).digest) }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        // A table, not String(format:), which is slow on Linux and this runs per request.
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in bytes {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    static func bytes(fromHex hex: String) -> [UInt8]? {
        let characters = Array(hex.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = nibble(characters[index]), let low = nibble(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x57
        case 0x41...0x46: return byte - 0x37
        default: return nil
        }
    }
}

/// A token as presented on one request, hashed once: checked against any tenant's hashes and
/// named in the audit log by its id.
public struct SCIMPresentedToken: Sendable {
    let digest: [UInt8]

    public init(_ token: String) { digest = Array(SHA256.hash(data: Data(token.utf8))) }

    /// Whether the digest is one of `hashes` (hex), comparing every byte of every hash.
    public func matches(_ hashes: [String]) -> Bool {
        var examined = 0
        return matches(hashes, examined: &examined)
    }

    /// The comparison, counting the byte pairs it examined (the same for every token, which a
    /// test checks: no early exit at the first differing byte or the first matching hash).
    func matches(_ hashes: [String], examined: inout Int) -> Bool {
        var matched = false
        for hash in hashes {
            guard let expected = SCIMBearerToken.bytes(fromHex: hash), expected.count == digest.count else { continue }
            var difference: UInt8 = 0
            for index in 0..<digest.count {
                difference |= digest[index] ^ expected[index]
                examined += 1
            }
            matched = matched || difference == 0
        }
        return matched
    }

    /// The token's id for logs and the audit: the first 12 hex digits of its SHA-256 (the
    /// operator finds it at the start of one of the configured hashes).
    public var id: String { String(SCIMBearerToken.hex(digest.prefix(6))) }
}
