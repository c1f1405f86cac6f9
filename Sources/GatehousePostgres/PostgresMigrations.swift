import GatehouseBasics
import GatehouseStore
import PostgresNIO

/// Versioned schema changes, applied in order at start inside one transaction that holds an
/// advisory lock, so replicas starting together apply each once (the second waits, then finds
/// nothing to do). Never edit a shipped migration: add one.
enum PostgresMigrations {
    struct Migration: Sendable {
        let name: String
        let sql: [String]
    }

    static let lockKey = PostgresStore.lockKey("gatehouse.migrations")
    static let deadline: Duration = .seconds(120)

    static let all: [Migration] = [
        Migration(
            name: "0001-settings",
            sql: [
                "CREATE TABLE settings (key text PRIMARY KEY, value bytea NOT NULL, updated_at timestamptz NOT NULL)"
            ]),
        Migration(
            name: "0002-users-sessions-assertions",
            sql: [
                // `seq` keeps creation order for SCIM paging (SQLite's rowid); the *_key columns are
                // SCIMCaseFolding.fold of their value, folded in Swift so both backends fold alike.
                """
                CREATE TABLE users (
                    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    user_name text NOT NULL,
                    user_name_key text NOT NULL,
                    email text NOT NULL,
                    email_key text NOT NULL,
                    role text NOT NULL,
                    active boolean NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    UNIQUE (tenant_id, user_name_key)
                )
                """,
                "CREATE INDEX users_by_email ON users (tenant_id, email_key)",
                """
                CREATE TABLE sessions (
                    id_hash text PRIMARY KEY,
                    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    tenant_id text NOT NULL,
                    name_id text NOT NULL,
                    session_index text,
                    created_at timestamptz NOT NULL,
                    last_seen_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX sessions_by_user ON sessions (user_id)",
                "CREATE INDEX sessions_by_name_id ON sessions (tenant_id, name_id)",
                "CREATE INDEX sessions_by_expiry ON sessions (expires_at)",
                """
                CREATE TABLE assertion_ids (
                    tenant_id text NOT NULL,
                    assertion_id text NOT NULL,
                    expires_at timestamptz NOT NULL,
                    PRIMARY KEY (tenant_id, assertion_id)
                )
                """,
                "CREATE INDEX assertion_ids_by_expiry ON assertion_ids (expires_at)",
            ]),
        Migration(
            name: "0003-scim-groups-audit",
            sql: [
                // `document` is the SCIM JSON as written (echoed byte for byte); `document_json` and
                // `document_folded` (every string value case-folded) are what filters read.
                """
                ALTER TABLE users ADD COLUMN external_id text, ADD COLUMN display_name text, ADD COLUMN document text,
                    ADD COLUMN document_json jsonb, ADD COLUMN document_folded jsonb,
                    ADD COLUMN version bigint NOT NULL DEFAULT 1, ADD COLUMN source text NOT NULL DEFAULT 'local'
                """,
                "CREATE INDEX users_by_external_id ON users (tenant_id, external_id)",
                """
                CREATE TABLE groups (
                    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    display_name text NOT NULL,
                    display_name_key text NOT NULL,
                    external_id text,
                    document text NOT NULL,
                    document_json jsonb NOT NULL,
                    document_folded jsonb NOT NULL,
                    version bigint NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX groups_by_display_name ON groups (tenant_id, display_name_key)",
                """
                CREATE TABLE group_members (
                    group_id text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    position integer NOT NULL,
                    PRIMARY KEY (group_id, user_id)
                )
                """,
                "CREATE INDEX group_members_by_user ON group_members (user_id)",
                """
                CREATE TABLE audit_log (
                    sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at timestamptz NOT NULL,
                    tenant_id text NOT NULL,
                    actor text NOT NULL,
                    resource_type text NOT NULL,
                    resource_id text NOT NULL,
                    operation text NOT NULL,
                    attributes jsonb NOT NULL
                )
                """,
                "CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, sequence)",
                // Append-only in the database itself: UPDATE, DELETE and TRUNCATE raise.
                """
                CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$
                """,
                """
                CREATE TRIGGER audit_log_append_only_rows BEFORE UPDATE OR DELETE ON audit_log
                    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
                """,
                """
                CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON audit_log
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
                """,
            ]),
    ]
}

extension PostgresStore {
    public var knownMigrations: [String] { PostgresMigrations.all.map(\.name) }

    public func appliedMigrations() async throws -> [String] {
        try await call("appliedMigrations") { client in
            let exists = try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present", logger: self.logger)
            guard try await Self.rows(exists, { try $0["present"].decode(Bool.self) }).first == true else { return [] }
            let rows = try await client.query("SELECT name FROM schema_migrations ORDER BY name", logger: self.logger)
            return try await Self.rows(rows) { try $0["name"].decode(String.self) }
        }
    }

    @discardableResult public func migrate() async throws -> [String] {
        do {
            // An unreachable database fails by the usual deadline, not the migrations' long one.
            try await ping()
            // Migrations may wait for another replica's and rewrite tables: a deadline of their own.
            return try await transaction("migrate", deadline: PostgresMigrations.deadline) { connection in
                try await connection.query(
                    "SET LOCAL statement_timeout = \(unescaped: String(Int(PostgresMigrations.deadline.timeInterval * 1000)))", logger: self.logger)
                try await connection.query("SET LOCAL lock_timeout = 0", logger: self.logger)
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger: self.logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL)", logger: self.logger)
                let rows = try await connection.query("SELECT name FROM schema_migrations", logger: self.logger)
                let applied = Set(try await Self.rows(rows) { try $0["name"].decode(String.self) })
                var appliedNow: [String] = []
                for migration in PostgresMigrations.all where !applied.contains(migration.name) {
                    for statement in migration.sql { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger) }
                    try await connection.query(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), now())", logger: self.logger)
                    appliedNow.append(migration.name)
                }
                return appliedNow
            }
        } catch let error as StoreError where error.code == .unavailable {
            throw StoreError(.migrationFailed, context: error.context)
        }
    }
}
