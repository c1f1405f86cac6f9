import Foundation
import GatehouseSAML
import GatehouseSessions
import PostgresNIO

extension PostgresStore {
    public func createSession(_ session: StoredSession) async throws {
        try await execute(
            "createSession",
            """
            INSERT INTO sessions (id_hash, user_id, tenant_id, name_id, session_index, created_at, last_seen_at, expires_at)
            VALUES (\(session.idHash), \(session.userID), \(session.tenantID), \(session.nameID), \(session.sessionIndex),
                    \(session.createdAt), \(session.lastSeenAt), \(session.expiresAt))
            """)
    }

    public func session(idHash: String) async throws -> StoredSession? {
        try await call("session") { client in
            let rows = try await client.query(
                """
                SELECT id_hash, user_id, tenant_id, name_id, session_index, created_at, last_seen_at, expires_at
                FROM sessions WHERE id_hash = \(idHash)
                """, logger: self.logger)
            return try await Self.rows(rows) { row in
                StoredSession(
                    idHash: try row["id_hash"].decode(String.self), userID: try row["user_id"].decode(String.self),
                    tenantID: try row["tenant_id"].decode(String.self), nameID: try row["name_id"].decode(String.self),
                    sessionIndex: try row["session_index"].decode(String?.self), createdAt: try row["created_at"].decode(Date.self),
                    lastSeenAt: try row["last_seen_at"].decode(Date.self), expiresAt: try row["expires_at"].decode(Date.self))
            }.first
        }
    }

    public func touchSession(idHash: String, at now: Date) async throws {
        try await execute("touchSession", "UPDATE sessions SET last_seen_at = \(now) WHERE id_hash = \(idHash)")
    }

    public func deleteSession(idHash: String) async throws -> Bool {
        try await endSessions(
            "deleteSession", PostgresQuery(unsafeSQL: "DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id", binds: Self.binds([idHash]))) > 0
    }

    public func deleteSessions(userID: String) async throws -> Int {
        try await endSessions(
            "deleteSessions(userID:)",
            PostgresQuery(unsafeSQL: "DELETE FROM sessions WHERE user_id = $1 RETURNING user_id", binds: Self.binds([userID])))
    }

    public func deleteSessions(tenantID: String, nameID: String, sessionIndex: String?) async throws -> Int {
        if let sessionIndex {
            return try await endSessions(
                "deleteSessions(nameID:)",
                PostgresQuery(
                    unsafeSQL: "DELETE FROM sessions WHERE tenant_id = $1 AND name_id = $2 AND session_index = $3 RETURNING user_id",
                    binds: Self.binds([tenantID, nameID, sessionIndex])))
        }
        return try await endSessions(
            "deleteSessions(nameID:)",
            PostgresQuery(
                unsafeSQL: "DELETE FROM sessions WHERE tenant_id = $1 AND name_id = $2 RETURNING user_id", binds: Self.binds([tenantID, nameID])))
    }

    /// Deletes sessions and, in the same transaction, tells every replica whose they were.
    private func endSessions(_ what: String, _ delete: PostgresQuery) async throws -> Int {
        try await transaction(what) { connection in
            let users = try await Self.rows(try await connection.query(delete, logger: self.logger)) { try $0["user_id"].decode(String.self) }
            for user in Set(users) { try await Self.announce(userID: user, connection, logger: self.logger) }
            return users.count
        }
    }

    public func purgeSessions(now: Date, idleBefore: Date) async throws -> Int {
        try await purgeInBatches("purgeSessions") { batch in
            """
            DELETE FROM sessions WHERE id_hash IN (
                SELECT id_hash FROM sessions WHERE expires_at <= \(now) OR last_seen_at < \(idleBefore) LIMIT \(batch))
            RETURNING 1 AS gone
            """
        }
    }

    /// Deletes in batches, each a statement of its own: a backlog after a long outage never
    /// runs into the statement timeout as one huge DELETE would.
    func purgeInBatches(_ what: String, _ statement: @escaping @Sendable (Int) -> PostgresQuery) async throws -> Int {
        let batch = 5_000
        var total = 0
        while true {
            let removed = try await call(what) { client in
                try await Self.rows(try await client.query(statement(batch), logger: self.logger)) { _ in 1 }.count
            }
            total += removed
            if removed < batch { return total }
        }
    }

    /// Records the ID unless a live record exists: an expired record is taken over in the same
    /// statement (the periodic purge removes the rest), so there is no delete on every sign-in.
    public func remember(assertionID id: String, tenantID: String, until expiry: Date, now: Date) async throws -> Bool {
        try await call("remember") { client in
            let rows = try await client.query(
                """
                INSERT INTO assertion_ids (tenant_id, assertion_id, expires_at) VALUES (\(tenantID), \(id), \(expiry))
                ON CONFLICT (tenant_id, assertion_id) DO UPDATE SET expires_at = excluded.expires_at
                    WHERE assertion_ids.expires_at <= \(now)
                RETURNING 1 AS recorded
                """, logger: self.logger)
            return try await Self.rows(rows) { _ in true }.first == true
        }
    }

    public func purgeExpiredAssertionIDs(now: Date) async throws -> Int {
        try await purgeInBatches("purgeExpiredAssertionIDs") { batch in
            """
            DELETE FROM assertion_ids WHERE ctid = ANY(ARRAY(SELECT ctid FROM assertion_ids WHERE expires_at <= \(now) LIMIT \(batch)))
            RETURNING 1 AS gone
            """
        }
    }
}
