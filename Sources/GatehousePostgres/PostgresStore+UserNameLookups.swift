import GatehouseSCIM
import GatehouseStore
import Logging
import PostgresNIO

/// One `userName eq "…"` lookup: what Okta and Entra send before every create. The tenant's
/// unique `(tenant_id, user_name_key)` index makes its page at most one user.
struct UserNameLookup: Sendable, Hashable {
    let tenantID: String
    /// `SCIMCaseFolding.fold` of the userName, as the filter compiler compares it.
    let key: String

    /// The userName `filter` asks for when it is exactly `userName eq "…"` (in the core schema
    /// or without one): the filter compiler's `users.user_name_key = fold(…)`, nothing else.
    static func userName(_ filter: SCIMFilter?) -> String? {
        guard case .compare(let path, .eq, .string(let userName))? = filter, path.subAttribute == nil, path.name.lowercased() == "username"
        else { return nil }
        guard path.schema == nil || path.schema?.lowercased() == SCIMResourceType.user.core.id.lowercased() else { return nil }
        return userName
    }
}

extension PostgresStore {
    /// The user each lookup finds (nil: nobody), in the lookups' order, in one statement; or the
    /// server's refusal of a value in one of them (then each is asked on its own).
    func users(named lookups: [UserNameLookup]) async throws -> PostgresBatcher<UserNameLookup, StoredUser?>.Outcome {
        let logger = self.logger
        return try await call("users(filter:)") { client in
            try await client.withConnection { connection in
                do {
                    return .answered(try await Self.answers(lookups, connection, logger: logger))
                } catch let error as PSQLError where PostgresErrors.isRefusedValue(error) {
                    return .refused(PostgresErrors.store(error, "users(filter:)"))
                }
            }
        }
    }

    private static func answers(_ lookups: [UserNameLookup], _ connection: PostgresConnection, logger: Logger) async throws -> [StoredUser?] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: userColumns), wanted.ordinal
            FROM unnest(\(lookups.map(\.tenantID))::text[], \(lookups.map(\.key))::text[]) WITH ORDINALITY
                AS wanted(tenant_id, user_name_key, ordinal)
            JOIN users ON users.tenant_id = wanted.tenant_id AND users.user_name_key = wanted.user_name_key
            """, logger: logger)
        let found = try await Self.rows(rows) { row in (ordinal: try row["ordinal"].decode(Int.self), user: try user(from: row)) }
        let users = try await withGroups(found.map(\.user), connection, logger: logger)
        var answers = [StoredUser?](repeating: nil, count: lookups.count)
        for (match, user) in zip(found, users) {
            // 1-based, from the statement; a value outside would be a statement bug.
            guard (1...lookups.count).contains(match.ordinal), answers[match.ordinal - 1] == nil else {
                throw StoreError(.unavailable, context: "users(filter:): row for lookup \(match.ordinal) of \(lookups.count)")
            }
            answers[match.ordinal - 1] = user
        }
        return answers
    }
}
