import Foundation
import GRDB
import GatehouseSAML
import GatehouseSessions

extension SQLiteStore {
    public func createSession(_ session: StoredSession) async throws {
        try await pool.write { db in
            try db.execute(
                literal: """
                    INSERT INTO sessions (id_hash, user_id, tenant_id, name_id, session_index, created_at, last_seen_at, expires_at)
                    VALUES (\(session.idHash), \(session.userID), \(session.tenantID), \(session.nameID), \(session.sessionIndex),
                            \(session.createdAt), \(session.lastSeenAt), \(session.expiresAt))
                    """
            )
        }
    }

    public func session(idHash: String) async throws -> StoredSession? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id_hash = ?", arguments: [idHash]).map { row in
                StoredSession(
                    idHash: row["id_hash"], userID: row["user_id"], tenantID: row["tenant_id"], nameID: row["name_id"],
                    sessionIndex: row["session_index"], createdAt: row["created_at"], lastSeenAt: row["last_seen_at"], expiresAt: row["expires_at"]
                )
            }
        }
    }

    public func touchSession(idHash: String, at now: Date) async throws {
        try await pool.write { db in try db.execute(literal: "UPDATE sessions SET last_seen_at = \(now) WHERE id_hash = \(idHash)") }
    }

    public func deleteSession(idHash: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(literal: "DELETE FROM sessions WHERE id_hash = \(idHash)")
            return db.changesCount > 0
        }
    }

    public func deleteSessions(userID: String) async throws -> Int {
        try await pool.write { db in
            try db.execute(literal: "DELETE FROM sessions WHERE user_id = \(userID)")
            return db.changesCount
        }
    }

    public func deleteSessions(tenantID: String, nameID: String, sessionIndex: String?) async throws -> Int {
        try await pool.write { db in
            if let sessionIndex {
                try db.execute(
                    literal: "DELETE FROM sessions WHERE tenant_id = \(tenantID) AND name_id = \(nameID) AND session_index = \(sessionIndex)")
            } else {
                try db.execute(literal: "DELETE FROM sessions WHERE tenant_id = \(tenantID) AND name_id = \(nameID)")
            }
            return db.changesCount
        }
    }

    public func purgeSessions(now: Date, idleBefore: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(literal: "DELETE FROM sessions WHERE expires_at <= \(now) OR last_seen_at < \(idleBefore)")
            return db.changesCount
        }
    }

    public func remember(assertionID id: String, tenantID: String, until expiry: Date, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(literal: "DELETE FROM assertion_ids WHERE expires_at <= \(now)")
            try db.execute(
                literal: "INSERT OR IGNORE INTO assertion_ids (tenant_id, assertion_id, expires_at) VALUES (\(tenantID), \(id), \(expiry))")
            return db.changesCount > 0
        }
    }

    public func purgeExpiredAssertionIDs(now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(literal: "DELETE FROM assertion_ids WHERE expires_at <= \(now)")
            return db.changesCount
        }
    }
}
