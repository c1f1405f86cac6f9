import Crypto
import Foundation
import GatehouseBasics

/// One sign-in this browser started: the AuthnRequest id the response must answer, for which
/// tenant, and where to go afterwards.
public struct PendingSignIn: Codable, Sendable, Equatable {
    public var requestID: String
    public var tenantID: String
    public var returnTo: String
    public var expiresAt: Date

    public init(requestID: String, tenantID: String, returnTo: String, expiresAt: Date) {
        self.requestID = requestID
        self.tenantID = tenantID
        self.returnTo = returnTo
        self.expiresAt = expiresAt
    }
}

/// The sign-ins a browser is waiting for, kept in a MAC'd cookie: bound to this browser, several
/// tabs at once, each valid for a few minutes. Nothing in it is secret; all of it is authenticated.
public struct PendingSignIns: Sendable, Equatable {
    public static let maximumEntries = 5
    public static let lifetime: TimeInterval = 600

    public private(set) var entries: [PendingSignIn]

    public init(entries: [PendingSignIn] = []) { self.entries = entries }

    /// The cookie's entries when its MAC verifies, without the expired ones; empty otherwise.
    public static func decode(_ value: Substring?, secret: SymmetricKey, now: Date) -> PendingSignIns {
        guard let value, let dot = value.firstIndex(of: "."), let payload = Base64URL.decode(value[..<dot]),
            let mac = Base64URL.decode(value[value.index(after: dot)...]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: secret),
            let entries = try? JSONDecoder().decode([PendingSignIn].self, from: Data(payload))
        else { return PendingSignIns() }
        return PendingSignIns(entries: entries.filter { $0.expiresAt > now })
    }

    /// The cookie value: base64url(JSON) + "." + base64url(HMAC).
    public func encode(secret: SymmetricKey) -> String {
        let payload = (try? JSONEncoder().encode(entries)) ?? Data("[]".utf8)
        return Base64URL.encode(Array(payload)) + "." + Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: payload, using: secret)))
    }

    /// Adds a sign-in, dropping expired ones and the oldest beyond the limit.
    public func adding(_ entry: PendingSignIn, now: Date) -> PendingSignIns {
        PendingSignIns(entries: Array((entries.filter { $0.expiresAt > now } + [entry]).suffix(Self.maximumEntries)))
    }

    /// The request ids a response for `tenantID` may answer.
    public func requestIDs(tenantID: String) -> Set<String> { Set(entries.filter { $0.tenantID == tenantID }.map(\.requestID)) }

    public func entry(requestID: String) -> PendingSignIn? { entries.first { $0.requestID == requestID } }

    public func removing(requestID: String) -> PendingSignIns { PendingSignIns(entries: entries.filter { $0.requestID != requestID }) }
}
