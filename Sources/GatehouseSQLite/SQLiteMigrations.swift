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
        return migrator
    }
}
