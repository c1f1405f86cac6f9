import Foundation

/// A signed-in browser. The store keeps only the SHA-256 of the cookie's random id, so reading the
/// database does not hand out live sessions.
public struct StoredSession: Sendable, Equatable {
    /// Hex SHA-256 of the session id carried by the cookie.
    public var idHash: String
    public var userID: String
    public var tenantID: String
    /// The SAML NameID and SessionIndex, for IdP-initiated logout.
    public var nameID: String
    public var sessionIndex: String?
    public var createdAt: Date
    public var lastSeenAt: Date
    /// The absolute end: the absolute timeout, or the assertion's SessionNotOnOrAfter if sooner.
    public var expiresAt: Date

    public init(
        idHash: String, userID: String, tenantID: String, nameID: String, sessionIndex: String?, createdAt: Date, lastSeenAt: Date, expiresAt: Date
    ) {
        self.idHash = idHash
        self.userID = userID
        self.tenantID = tenantID
        self.nameID = nameID
        self.sessionIndex = sessionIndex
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}

/// Server-side sessions: revocable at once by user (deactivation) or by SAML session (SLO).
public protocol SessionStore: Sendable {
    func createSession(_ session: StoredSession) async throws
    func session(idHash: String) async throws -> StoredSession?
    /// Records activity (idle timeout); throttled by the caller.
    func touchSession(idHash: String, at: Date) async throws
    /// Ends one session; returns whether it existed.
    func deleteSession(idHash: String) async throws -> Bool
    /// Ends every session of a user; returns how many.
    func deleteSessions(userID: String) async throws -> Int
    /// Ends the sessions of a SAML NameID in a tenant (all of them when `sessionIndex` is nil).
    func deleteSessions(tenantID: String, nameID: String, sessionIndex: String?) async throws -> Int
    /// Removes sessions past their absolute end or idle since before `idleBefore`.
    func purgeSessions(now: Date, idleBefore: Date) async throws -> Int
}
