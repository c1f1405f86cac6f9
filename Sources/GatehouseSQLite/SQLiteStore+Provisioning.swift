import Foundation
import GRDB
import GatehouseSCIM

extension SQLiteStore {
    public func users(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredUser> {
        var compiler = SQLiteFilterCompiler.users
        let condition = try filter.map { try compiler.compile($0) }
        // GRDB's async read, never its blocking one on a cooperative thread: with every reader in
        // use, a blocking read waits for tasks that need this very thread to hand a reader back
        // (with two cores the whole test suite once stopped that way).
        return try await pool.read { db in
            let page = try Self.page(db, table: "users", tenantID: tenantID, condition: condition, startIndex: startIndex, count: count)
            return StoredPage(totalResults: page.total, items: try Self.withGroups(page.rows.map(Self.user(from:)), db))
        }
    }

    public func writeUser(tenantID: String, key: UserKey, _ decide: @escaping @Sendable (StoredUser?) throws -> UserWrite) async throws -> StoredUser?
    {
        do {
            return try await pool.write { db in
                let row: Row?
                switch key {
                case .id(let id):
                    row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE tenant_id = ? AND id = ?"), arguments: [tenantID, id])
                case .userName(let userName):
                    row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM users WHERE tenant_id = ? AND user_name_key = ?"),
                        arguments: [tenantID, SCIMCaseFolding.fold(userName)])
                }
                let written: StoredUser
                let audit: AuditEntry?
                switch try decide(row.map(Self.user(from:))) {
                case .none:
                    return nil
                case .insert(let user, let entry):
                    try Self.insert(user, db)
                    (written, audit) = (user, entry)
                case .overwrite(let user, let entry):
                    try Self.overwrite(user, db)
                    (written, audit) = (user, entry)
                }
                if let audit { try Self.append(audit, db) }
                return try Self.withGroups([written], db)[0]
            }
        } catch let error as DatabaseError where Self.isUniqueViolation(error) {
            throw DirectoryError(.conflict, context: "tenant \(tenantID) already has that userName")
        }
    }

    public func deleteUser(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool {
        try await deleteAudited(from: "users", tenantID: tenantID, id: id, audit: audit)
    }

    private static func groupReferences(_ userIDs: [String], _ db: Database) throws -> [String: [GroupReference]] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT gm.user_id, g.id, g.display_name FROM group_members gm JOIN groups g ON g.id = gm.group_id
                    WHERE gm.user_id IN (SELECT value FROM json_each(?)) ORDER BY g.rowid
                    """),
            arguments: [jsonArray(userIDs)])
        var references: [String: [GroupReference]] = [:]
        for row in rows { references[row[0], default: []].append(GroupReference(id: row[1], displayName: row[2])) }
        return references
    }

    /// The users with their `groups` filled, in the same read.
    private static func withGroups(_ users: [StoredUser], _ db: Database) throws -> [StoredUser] {
        guard !users.isEmpty else { return users }
        let references = try groupReferences(users.map(\.id), db)
        return users.map { user in
            var user = user
            user.groups = references[user.id] ?? []
            return user
        }
    }

    public func groups(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredGroup> {
        var compiler = SQLiteFilterCompiler.groups
        let condition = try filter.map { try compiler.compile($0) }
        return try await pool.read { db in
            let page = try Self.page(db, table: "groups", tenantID: tenantID, condition: condition, startIndex: startIndex, count: count)
            return StoredPage(totalResults: page.total, items: try Self.groups(from: page.rows, db))
        }
    }

    public func group(tenantID: String, id: String) async throws -> StoredGroup? {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM groups WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
            return try Self.groups(from: rows, db).first
        }
    }

    public func createGroup(_ group: StoredGroup, audit: AuditEntry) async throws {
        do {
            try await pool.write { db in
                try db.execute(
                    literal: """
                        INSERT INTO groups (id, tenant_id, display_name, display_name_key, external_id, document, version, created_at, updated_at)
                        VALUES (\(group.id), \(group.tenantID), \(group.displayName), \(SCIMCaseFolding.fold(group.displayName)),
                                \(group.externalID), \(group.document), \(group.version), \(group.createdAt), \(group.updatedAt))
                        """)
                try Self.replaceMembers(of: group, db)
                try Self.append(audit, db)
            }
        } catch let error as DatabaseError where Self.isUniqueViolation(error) {
            throw DirectoryError(.conflict, context: "group id \(group.id) is taken")
        }
    }

    public func updateGroup(tenantID: String, id: String, _ change: @escaping @Sendable (StoredGroup) throws -> (StoredGroup, AuditEntry))
        async throws
        -> StoredGroup?
    {
        try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM groups WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
            guard let current = try Self.groups(from: rows, db).first else { return nil }
            var (updated, audit) = try change(current)
            updated.id = current.id
            updated.tenantID = current.tenantID
            updated.createdAt = current.createdAt
            updated.version = current.version + 1
            try db.execute(
                literal: """
                    UPDATE groups SET display_name = \(updated.displayName), display_name_key = \(SCIMCaseFolding.fold(updated.displayName)),
                        external_id = \(updated.externalID), document = \(updated.document), version = \(updated.version),
                        updated_at = \(updated.updatedAt)
                    WHERE id = \(updated.id)
                    """)
            if updated.memberIDs != current.memberIDs { try Self.replaceMembers(of: updated, db) }
            try Self.append(audit, db)
            return try Self.groups(from: [try Row.fetchOne(db, sql: "SELECT * FROM groups WHERE id = ?", arguments: [id])].compactMap { $0 }, db)
                .first
        }
    }

    public func deleteGroup(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool {
        try await deleteAudited(from: "groups", tenantID: tenantID, id: id, audit: audit)
    }

    /// Deletes one row of a tenant (cascades follow the foreign keys) with its audit entry.
    private func deleteAudited(from table: String, tenantID: String, id: String, audit: AuditEntry) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM \(table) WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
            guard db.changesCount > 0 else { return false }
            try Self.append(audit, db)
            return true
        }
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await pool.write { db in try Self.append(entry, db) }
    }

    public func auditEntries(tenantID: String?, after sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            let rows: [Row]
            if let tenantID {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM audit_log WHERE tenant_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                    arguments: [tenantID, sequence, limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit])
            }
            return rows.map { row in
                let attributes = (try? JSONDecoder().decode([String].self, from: Data((row["attributes"] as String).utf8))) ?? []
                return AuditEntry(
                    sequence: row["sequence"], at: row["at"], tenantID: row["tenant_id"], actor: row["actor"], resourceType: row["resource_type"],
                    resourceID: row["resource_id"], operation: row["operation"], attributes: attributes)
            }
        }
    }

    // MARK: - Helpers

    /// Counts the matches and reads one page in stable (insertion) order.
    private static func page(
        _ db: Database, table: String, tenantID: String, condition: SQLiteFilterCompiler.Fragment?, startIndex: Int, count: Int
    ) throws -> (total: Int, rows: [Row]) {
        var sql = "FROM \(table) WHERE tenant_id = ?"
        var arguments: [DatabaseValue] = [tenantID.databaseValue]
        if let condition {
            sql += " AND \(condition.strict)"
            arguments += condition.arguments
        }
        // Cached statements: the SQL of a filter shape (`userName eq ?`) repeats; only values change.
        let total = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) \(sql)"), arguments: StatementArguments(arguments)) ?? 0
        guard count > 0, startIndex <= total else { return (total, []) }
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * \(sql) ORDER BY \(table).rowid LIMIT ? OFFSET ?"),
            arguments: StatementArguments(arguments + [count.databaseValue, (max(startIndex, 1) - 1).databaseValue]))
        return (total, rows)
    }

    private static func groups(from rows: [Row], _ db: Database) throws -> [StoredGroup] {
        guard !rows.isEmpty else { return [] }
        let ids: [String] = rows.map { $0["id"] }
        var members: [String: [String]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT group_id, user_id FROM group_members WHERE group_id IN (SELECT value FROM json_each(?)) ORDER BY rowid
                """, arguments: [jsonArray(ids)])
        {
            members[row[0], default: []].append(row[1])
        }
        return rows.map { row in
            StoredGroup(
                id: row["id"], tenantID: row["tenant_id"], displayName: row["display_name"], externalID: row["external_id"],
                document: row["document"], memberIDs: members[row["id"]] ?? [], version: row["version"], createdAt: row["created_at"],
                updatedAt: row["updated_at"])
        }
    }

    /// Replaces the memberships; every member must be a user of the group's tenant.
    private static func replaceMembers(of group: StoredGroup, _ db: Database) throws {
        var seen = Set<String>()
        let ids = group.memberIDs.filter { seen.insert($0).inserted }
        let known =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM users WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))",
                arguments: [group.tenantID, jsonArray(ids)]) ?? 0
        guard known == ids.count else {
            // Only on refusal: which values, for the log (another tenant's user and nobody's id alike).
            let unknown = try String.fetchAll(
                db, sql: "SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM users WHERE tenant_id = ?) LIMIT 5",
                arguments: [jsonArray(ids), group.tenantID])
            throw DirectoryError(
                .invalidReference,
                context: "group \(group.id): members \(jsonArray(unknown.map { String($0.prefix(64)) })) are not users of tenant \(group.tenantID)")
        }
        try db.execute(sql: "DELETE FROM group_members WHERE group_id = ?", arguments: [group.id])
        try db.execute(
            sql: "INSERT INTO group_members (group_id, user_id) SELECT ?, value FROM json_each(?)", arguments: [group.id, jsonArray(ids)])
    }

    static func append(_ entry: AuditEntry, _ db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO audit_log (at, tenant_id, actor, resource_type, resource_id, operation, attributes) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            entry.at, entry.tenantID, entry.actor, entry.resourceType, entry.resourceID, entry.operation, jsonArray(entry.attributes),
        ])
    }

    static func jsonArray(_ values: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
