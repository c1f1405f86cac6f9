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
        return migrator
    }
}
