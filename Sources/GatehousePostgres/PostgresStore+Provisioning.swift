import Foundation
import GatehouseSCIM
import GatehouseStore
import Logging
import PostgresNIO

extension PostgresStore {
    public func users(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredUser> {
        if let userName = UserNameLookup.userName(filter), startIndex <= 1, count >= 1 {
            let lookup = UserNameLookup(tenantID: tenantID, key: SCIMCaseFolding.fold(userName))
            try ensureOpen("users(filter:)")
            let user = try await userNameLookups.submit(lookup, deadline: settings.timeout) { lookups in try await self.users(named: lookups) }
            return StoredPage(totalResults: user == nil ? 0 : 1, items: user.map { [$0] } ?? [])
        }
        var compiler = PostgresFilterCompiler.users
        let condition = try filter.map { try compiler.compile($0) }
        return try await call("users(filter:)") { client in
            try await client.withConnection { connection in
                let page = try await Self.page(
                    connection, table: "users", columns: Self.userColumns, tenantID: tenantID, condition: condition, startIndex: startIndex,
                    count: count, logger: self.logger, read: Self.user(from:))
                return StoredPage(totalResults: page.total, items: try await Self.withGroups(page.rows, connection, logger: self.logger))
            }
        }
    }

    public func writeUser(tenantID: String, key: UserKey, _ decide: @escaping @Sendable (StoredUser?) throws -> UserWrite) async throws
        -> StoredUser?
    {
        do {
            if case .written(let user) = try await writeUserIfAbsent(tenantID: tenantID, key: key, decide) { return user }
            return try await transaction("writeUser") { connection in
                let found = try await Self.user(tenantID: tenantID, key: key, lock: true, connection, logger: self.logger)
                let written: StoredUser
                let audit: AuditEntry?
                switch try PostgresErrors.caller({ try decide(found) }) {
                case .none:
                    return nil
                case .insert(let user, let entry):
                    try await Self.insert(user, audit: entry, connection, logger: self.logger)
                    return user
                case .overwrite(let user, let entry):
                    try await Self.overwrite(user, connection, logger: self.logger)
                    // Only what a cached session holds or depends on: a bulk sync of names and titles tells nobody.
                    if let found,
                        found.active != user.active || found.role != user.role || found.email != user.email || found.tenantID != user.tenantID
                    {
                        try await Self.announce(userID: user.id, connection, logger: self.logger)
                    }
                    (written, audit) = (user, entry)
                }
                if let audit { try await Self.append(audit, connection, logger: self.logger) }
                if found == nil { return written }
                return try await Self.withGroups([written], connection, logger: self.logger)[0]
            }
        } catch let error as StoreError where error.code == .conflict {
            throw DirectoryError(.conflict, context: "tenant \(tenantID) already has that userName")
        }
    }

    private enum UnlockedWrite: Sendable {
        case written(StoredUser?)
        case userExists
    }

    /// A create (Okta's every new user) in one round trip, shared with the creates arriving
    /// together: for a userName key, `decide` is asked first as if nobody had it, and an insert
    /// is tried with ON CONFLICT DO NOTHING (the unique index decides, as it would after a
    /// locked read). When the userName is taken, or `decide` wants anything but a plain insert
    /// (or throws) without knowing who is there, the locked way reads and decides again. An id
    /// key always reads first: nothing about an update can be guessed.
    private func writeUserIfAbsent(tenantID: String, key: UserKey, _ decide: @escaping @Sendable (StoredUser?) throws -> UserWrite)
        async throws -> UnlockedWrite
    {
        guard case .userName = key else { return try await readThenInsertIfAbsent(tenantID: tenantID, key: key, decide) }
        guard case .insert(let user, let audit)? = try? decide(nil) else { return .userExists }
        try ensureOpen("writeUser")
        let inserted = try await userInserts.insert(PostgresUserInserts.Row(user: user, audit: audit), deadline: settings.timeout) { rows in
            try await self.insertNewUsers(rows)
        }
        // A user made just now belongs to no group yet: no membership query.
        return inserted ? .written(user) : .userExists
    }

    /// The unlocked read, then (nobody there) the insert with its audit entry in one statement.
    private func readThenInsertIfAbsent(tenantID: String, key: UserKey, _ decide: @escaping @Sendable (StoredUser?) throws -> UserWrite)
        async throws -> UnlockedWrite
    {
        try await call("writeUser") { client in
            try await client.withConnection { connection in
                guard try await Self.user(tenantID: tenantID, key: key, lock: false, connection, logger: self.logger) == nil else {
                    return .userExists
                }
                switch try PostgresErrors.caller({ try decide(nil) }) {
                case .none:
                    return .written(nil)
                case .insert(let user, let audit):
                    try await Self.insert(user, audit: audit, connection, logger: self.logger)
                    return .written(user)
                case .overwrite:
                    // Nothing to overwrite: the locked way reads again and decides again.
                    return .userExists
                }
            }
        }
    }

    private static func user(tenantID: String, key: UserKey, lock: Bool, _ connection: PostgresConnection, logger: Logger) async throws
        -> StoredUser?
    {
        let rows: PostgresRowSequence
        switch key {
        case .id(let id):
            rows = try await connection.query(
                "SELECT \(unescaped: userColumns) FROM users WHERE tenant_id = \(tenantID) AND id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")",
                logger: logger)
        case .userName(let userName):
            rows = try await connection.query(
                """
                SELECT \(unescaped: userColumns) FROM users WHERE tenant_id = \(tenantID) AND user_name_key = \(SCIMCaseFolding.fold(userName))
                \(unescaped: lock ? "FOR UPDATE" : "")
                """, logger: logger)
        }
        return try await Self.rows(rows, Self.user(from:)).first
    }

    public func deleteUser(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool {
        try await deleteAudited(from: "users", tenantID: tenantID, id: id, audit: audit, announce: true)
    }

    public func groups(tenantID: String, filter: SCIMFilter?, startIndex: Int, count: Int) async throws -> StoredPage<StoredGroup> {
        var compiler = PostgresFilterCompiler.groups
        let condition = try filter.map { try compiler.compile($0) }
        return try await call("groups(filter:)") { client in
            try await client.withConnection { connection in
                let page = try await Self.page(
                    connection, table: "groups", columns: Self.groupColumns, tenantID: tenantID, condition: condition, startIndex: startIndex,
                    count: count, logger: self.logger, read: Self.group(from:))
                return StoredPage(totalResults: page.total, items: try await Self.withMembers(page.rows, connection, logger: self.logger))
            }
        }
    }

    public func group(tenantID: String, id: String) async throws -> StoredGroup? {
        try await call("group") { client in
            try await client.withConnection { connection in
                try await Self.group(tenantID: tenantID, id: id, lock: false, connection, logger: self.logger)
            }
        }
    }

    public func createGroup(_ group: StoredGroup, audit: AuditEntry) async throws {
        do {
            try await transaction("createGroup") { connection in
                try await connection.query(
                    """
                    INSERT INTO groups (id, tenant_id, display_name, display_name_key, external_id, document, document_json, document_folded,
                                        version, created_at, updated_at)
                    VALUES (\(group.id), \(group.tenantID), \(group.displayName), \(SCIMCaseFolding.fold(group.displayName)), \(group.externalID),
                            \(group.document), \(group.document)::jsonb, \(PostgresDocuments.folded(group.document))::jsonb, \(group.version),
                            \(PostgresDates.milliseconds(group.createdAt)), \(PostgresDates.milliseconds(group.updatedAt)))
                    """, logger: self.logger)
                try await Self.replaceMembers(of: group, connection, logger: self.logger)
                try await Self.append(audit, connection, logger: self.logger)
            }
        } catch let error as StoreError where error.code == .conflict {
            throw DirectoryError(.conflict, context: "group id \(group.id) is taken")
        }
    }

    public func updateGroup(tenantID: String, id: String, _ change: @escaping @Sendable (StoredGroup) throws -> (StoredGroup, AuditEntry))
        async throws -> StoredGroup?
    {
        try await transaction("updateGroup") { connection in
            guard let current = try await Self.group(tenantID: tenantID, id: id, lock: true, connection, logger: self.logger) else { return nil }
            var (updated, audit) = try PostgresErrors.caller { try change(current) }
            updated.id = current.id
            updated.tenantID = current.tenantID
            updated.createdAt = current.createdAt
            updated.version = current.version + 1
            try await connection.query(
                """
                UPDATE groups SET display_name = \(updated.displayName), display_name_key = \(SCIMCaseFolding.fold(updated.displayName)),
                    external_id = \(updated.externalID), document = \(updated.document), document_json = \(updated.document)::jsonb,
                    document_folded = \(PostgresDocuments.folded(updated.document))::jsonb, version = \(updated.version),
                    updated_at = \(PostgresDates.milliseconds(updated.updatedAt))
                WHERE id = \(updated.id)
                """, logger: self.logger)
            if updated.memberIDs != current.memberIDs { try await Self.replaceMembers(of: updated, connection, logger: self.logger) }
            try await Self.append(audit, connection, logger: self.logger)
            return try await Self.group(tenantID: tenantID, id: id, lock: false, connection, logger: self.logger)
        }
    }

    public func deleteGroup(tenantID: String, id: String, audit: AuditEntry) async throws -> Bool {
        try await deleteAudited(from: "groups", tenantID: tenantID, id: id, audit: audit, announce: false)
    }

    /// Deletes one row of a tenant (cascades follow the foreign keys) with its audit entry.
    private func deleteAudited(from table: String, tenantID: String, id: String, audit: AuditEntry, announce: Bool) async throws -> Bool {
        try await transaction("delete from \(table)") { connection in
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE tenant_id = $1 AND id = $2 RETURNING id", binds: Self.binds([tenantID, id])),
                logger: self.logger)
            guard try await Self.rows(rows, { _ in true }).first == true else { return false }
            if announce { try await Self.announce(userID: id, connection, logger: self.logger) }
            try await Self.append(audit, connection, logger: self.logger)
            return true
        }
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await call("appendAudit") { client in
            try await client.withConnection { connection in try await Self.append(entry, connection, logger: self.logger) }
        }
    }

    public func auditEntries(tenantID: String?, after sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await call("auditEntries") { client in
            let rows: PostgresRowSequence
            let columns = "sequence, at, tenant_id, actor, resource_type, resource_id, operation, attributes::text AS attributes"
            if let tenantID {
                rows = try await client.query(
                    "SELECT \(unescaped: columns) FROM audit_log WHERE tenant_id = \(tenantID) AND sequence > \(sequence) ORDER BY sequence LIMIT \(limit)",
                    logger: self.logger)
            } else {
                rows = try await client.query(
                    "SELECT \(unescaped: columns) FROM audit_log WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(limit)", logger: self.logger)
            }
            return try await Self.rows(rows) { row in
                let attributes = (try? JSONDecoder().decode([String].self, from: Data(try row["attributes"].decode(String.self).utf8))) ?? []
                return AuditEntry(
                    sequence: try row["sequence"].decode(Int64.self), at: try row["at"].decode(Date.self),
                    tenantID: try row["tenant_id"].decode(String.self), actor: try row["actor"].decode(String.self),
                    resourceType: try row["resource_type"].decode(String.self), resourceID: try row["resource_id"].decode(String.self),
                    operation: try row["operation"].decode(String.self), attributes: attributes)
            }
        }
    }

    // MARK: - Helpers

    static let groupColumns = """
        groups.id, groups.tenant_id, groups.display_name, groups.external_id, groups.document, groups.version, groups.created_at, groups.updated_at
        """

    /// Counts the matches and reads one page in creation order.
    static func page<T>(
        _ connection: PostgresConnection, table: String, columns: String, tenantID: String, condition: PostgresFilterCompiler.Fragment?,
        startIndex: Int, count: Int, logger: Logger, read: (PostgresRandomAccessRow) throws -> T
    ) async throws -> (total: Int, rows: [T]) {
        var sql = "FROM \(table) WHERE \(table).tenant_id = ?"
        var arguments: [PostgresFilterCompiler.Argument] = [.text(tenantID)]
        if let condition {
            sql += " AND \(condition.strict)"
            arguments += condition.arguments
        }
        // One round trip for the usual page: the total rides on every row. Only a page past the
        // end (or count=0) needs the count on its own.
        if count > 0 {
            let page = try await connection.query(
                try PostgresFilterCompiler.query(
                    "SELECT \(columns), count(*) OVER () AS total \(sql) ORDER BY \(table).seq LIMIT ? OFFSET ?",
                    arguments + [.int(count), .int(max(startIndex, 1) - 1)]),
                logger: logger)
            var total = 0
            let found = try await rows(page) { row in
                total = try row["total"].decode(Int.self)
                return try read(row)
            }
            if !found.isEmpty || startIndex <= 1 { return (total, found) }
        }
        let counted = try await connection.query(try PostgresFilterCompiler.query("SELECT count(*) AS total \(sql)", arguments), logger: logger)
        return (try await rows(counted) { try $0["total"].decode(Int.self) }.first ?? 0, [])
    }

    private static func groupReferences(_ userIDs: [String], _ connection: PostgresConnection, logger: Logger) async throws
        -> [String: [GroupReference]]
    {
        let rows = try await connection.query(
            """
            SELECT gm.user_id, g.id, g.display_name FROM group_members gm JOIN groups g ON g.id = gm.group_id
            WHERE gm.user_id = ANY(\(userIDs)) ORDER BY g.seq
            """, logger: logger)
        var references: [String: [GroupReference]] = [:]
        for (user, id, name) in try await Self.rows(
            rows,
            {
                (try $0["user_id"].decode(String.self), try $0["id"].decode(String.self), try $0["display_name"].decode(String.self))
            })
        {
            references[user, default: []].append(GroupReference(id: id, displayName: name))
        }
        return references
    }

    /// The users with their `groups` filled, on the same connection.
    static func withGroups(_ users: [StoredUser], _ connection: PostgresConnection, logger: Logger) async throws -> [StoredUser] {
        guard !users.isEmpty else { return users }
        let references = try await groupReferences(users.map(\.id), connection, logger: logger)
        return users.map { user in
            var user = user
            user.groups = references[user.id] ?? []
            return user
        }
    }

    private static func group(tenantID: String, id: String, lock: Bool, _ connection: PostgresConnection, logger: Logger) async throws
        -> StoredGroup?
    {
        let rows = try await connection.query(
            "SELECT \(unescaped: groupColumns) FROM groups WHERE tenant_id = \(tenantID) AND id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")",
            logger: logger)
        return try await withMembers(try await Self.rows(rows, group(from:)), connection, logger: logger).first
    }

    static func group(from row: PostgresRandomAccessRow) throws -> StoredGroup {
        StoredGroup(
            id: try row["id"].decode(String.self), tenantID: try row["tenant_id"].decode(String.self),
            displayName: try row["display_name"].decode(String.self), externalID: try row["external_id"].decode(String?.self),
            document: try row["document"].decode(String.self), memberIDs: [], version: try row["version"].decode(Int.self),
            createdAt: try row["created_at"].decode(Date.self), updatedAt: try row["updated_at"].decode(Date.self))
    }

    private static func withMembers(_ groups: [StoredGroup], _ connection: PostgresConnection, logger: Logger) async throws -> [StoredGroup] {
        guard !groups.isEmpty else { return [] }
        let rows = try await connection.query(
            "SELECT group_id, user_id FROM group_members WHERE group_id = ANY(\(groups.map(\.id))) ORDER BY group_id, position", logger: logger)
        var members: [String: [String]] = [:]
        for (group, user) in try await Self.rows(rows, { (try $0["group_id"].decode(String.self), try $0["user_id"].decode(String.self)) }) {
            members[group, default: []].append(user)
        }
        return groups.map { group in
            var group = group
            group.memberIDs = members[group.id] ?? []
            return group
        }
    }

    /// Replaces the memberships; every member must be a user of the group's tenant.
    private static func replaceMembers(of group: StoredGroup, _ connection: PostgresConnection, logger: Logger) async throws {
        var seen = Set<String>()
        let ids = group.memberIDs.filter { seen.insert($0).inserted }
        let counted = try await connection.query(
            "SELECT count(*) AS known FROM users WHERE tenant_id = \(group.tenantID) AND id = ANY(\(ids))", logger: logger)
        let known = try await rows(counted) { try $0["known"].decode(Int.self) }.first ?? 0
        guard known == ids.count else {
            // Only on refusal: which values, for the log (another tenant's user and nobody's id alike).
            let unknownRows = try await connection.query(
                """
                SELECT value FROM unnest(\(ids)::text[]) AS value WHERE value NOT IN (SELECT id FROM users WHERE tenant_id = \(group.tenantID)) LIMIT 5
                """, logger: logger)
            let unknown = try await rows(unknownRows) { try $0["value"].decode(String.self) }
            throw DirectoryError(
                .invalidReference,
                context: "group \(group.id): members \(jsonArray(unknown.map { String($0.prefix(64)) })) are not users of tenant \(group.tenantID)")
        }
        try await connection.query("DELETE FROM group_members WHERE group_id = \(group.id)", logger: logger)
        try await connection.query(
            """
            INSERT INTO group_members (group_id, user_id, position)
            SELECT \(group.id), member.id, member.position FROM unnest(\(ids)::text[]) WITH ORDINALITY AS member(id, position)
            """, logger: logger)
    }

    static func append(_ entry: AuditEntry, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO audit_log (at, tenant_id, actor, resource_type, resource_id, operation, attributes)
            VALUES (\(entry.at), \(entry.tenantID), \(entry.actor), \(entry.resourceType), \(entry.resourceID), \(entry.operation),
                    \(jsonArray(entry.attributes))::jsonb)
            """, logger: logger)
    }

    static func jsonArray(_ values: [String]) -> String {
        JSONValue.array(values.map(JSONValue.string)).jsonText
    }

    static func binds(_ values: [String]) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }
}
