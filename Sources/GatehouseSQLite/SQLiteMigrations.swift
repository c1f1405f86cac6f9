import GRDB

/// Versioned schema changes, applied in order at start. Never edit a shipped migration: add one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-settings") { db in
            try db.create(table: "settings") { table in
                table.primaryKey("key", .text)
                table.column("value", .blob).notNull()
                table.column("updated_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("0002-users-sessions-assertions") { db in
            try db.create(table: "users") { table in
                table.primaryKey("id", .text)
                table.column("tenant_id", .text).notNull()
                table.column("user_name", .text).notNull()
                // Lower-cased copies: the unique index and lookups ignore case without collations.
                table.column("user_name_key", .text).notNull()
                table.column("email", .text).notNull()
                table.column("email_key", .text).notNull()
                table.column("role", .text).notNull()
                table.column("active", .boolean).notNull()
                table.column("created_at", .datetime).notNull()
                table.column("updated_at", .datetime).notNull()
                table.uniqueKey(["tenant_id", "user_name_key"])
            }
            try db.create(index: "users_by_email", on: "users", columns: ["tenant_id", "email_key"])
            try db.create(table: "sessions") { table in
                table.primaryKey("id_hash", .text)
                table.column("user_id", .text).notNull().indexed().references("users", onDelete: .cascade)
                table.column("tenant_id", .text).notNull()
                table.column("name_id", .text).notNull()
                table.column("session_index", .text)
                table.column("created_at", .datetime).notNull()
                table.column("last_seen_at", .datetime).notNull()
                table.column("expires_at", .datetime).notNull()
            }
            try db.create(index: "sessions_by_name_id", on: "sessions", columns: ["tenant_id", "name_id"])
            try db.create(table: "assertion_ids") { table in
                table.column("tenant_id", .text).notNull()
                table.column("assertion_id", .text).notNull()
                table.column("expires_at", .datetime).notNull().indexed()
                table.primaryKey(["tenant_id", "assertion_id"])
            }
        }
        registerProvisioning(&migrator)
        return migrator
    }
}

extension SQLiteMigrations {
    /// SCIM: user documents and counters, groups and memberships, the append-only audit log.
    static func registerProvisioning(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("0003-scim-groups-audit") { db in
            try db.execute(
                sql: """
                    ALTER TABLE users ADD COLUMN external_id TEXT;
                    ALTER TABLE users ADD COLUMN display_name TEXT;
                    ALTER TABLE users ADD COLUMN document TEXT;
                    ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local';
                    UPDATE users SET document = \(SQLiteStore.localDocumentSQL) WHERE document IS NULL;
                    CREATE INDEX users_by_external_id ON users (tenant_id, external_id);
                    CREATE TABLE groups (
                        id TEXT PRIMARY KEY NOT NULL,
                        tenant_id TEXT NOT NULL,
                        display_name TEXT NOT NULL,
                        display_name_key TEXT NOT NULL,
                        external_id TEXT,
                        document TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        created_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL
                    );
                    CREATE INDEX groups_by_display_name ON groups (tenant_id, display_name_key);
                    CREATE TABLE group_members (
                        group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        PRIMARY KEY (group_id, user_id)
                    );
                    CREATE INDEX group_members_by_user ON group_members (user_id);
                    CREATE TABLE audit_log (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        at DATETIME NOT NULL,
                        tenant_id TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        resource_type TEXT NOT NULL,
                        resource_id TEXT NOT NULL,
                        operation TEXT NOT NULL,
                        attributes TEXT NOT NULL
                    );
                    CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, sequence);
                    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
                        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
                        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    """)
        }
    }
}
