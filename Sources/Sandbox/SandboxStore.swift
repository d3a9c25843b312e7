import Foundation
import GRDB

/// The simulators' state in one SQLite file, so demo data survives restarts.
package struct SandboxStore: Sendable {
    let queue: DatabaseQueue

    /// Opens (creating if needed) `directory/sandbox.sqlite` and migrates it.
    package init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: directory + "/sandbox.sqlite", configuration: configuration)
        try Self.migrator.migrate(queue)
    }

    package func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await queue.read(body)
    }

    package func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await queue.write(body)
    }

    /// A stored setting, or `make()` stored on first use (generated credentials stay the same across restarts).
    func setting(_ key: String, default make: @autoclosure () -> String) throws -> String {
        let fresh = make()
        return try queue.write { db in
            if let value = try String.fetchOne(
                db, sql: "SELECT value FROM sandbox_settings WHERE key = ?", arguments: [key])
            {
                return value
            }
            try db.execute(sql: "INSERT INTO sandbox_settings (key, value) VALUES (?, ?)", arguments: [key, fresh])
            return fresh
        }
    }

    /// A stored setting without creating it.
    func storedSetting(_ key: String) async throws -> String? {
        try await queue.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM sandbox_settings WHERE key = ?", arguments: [key])
        }
    }

    func setSetting(_ key: String, to value: String) throws {
        try queue.write { db in
            try db.execute(
                sql:
                    "INSERT INTO sandbox_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value]
            )
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: WHMCS and WHM state") { db in
            try db.execute(sql: WHMCSSchema.sql)
            try db.execute(sql: WHMSchema.sql)
            try db.execute(sql: "CREATE TABLE sandbox_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        migrator.registerMigration("v2: WHMCS domains") { db in
            try db.execute(sql: WHMCSSchema.domainsSQL)
        }
        migrator.registerMigration("v3: WHMCS product provisioning fields") { db in
            try db.execute(
                sql: """
                    ALTER TABLE whmcs_products ADD COLUMN configoptions TEXT NOT NULL DEFAULT '[]';
                    ALTER TABLE whmcs_products ADD COLUMN autosetup TEXT NOT NULL DEFAULT '';
                    ALTER TABLE whmcs_products ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE whmcs_clients ADD COLUMN currency INTEGER NOT NULL DEFAULT 1;
                    """
            )
        }
        migrator.registerMigration("v4: WHMCS cancellations and upgrades") { db in
            try db.execute(sql: WHMCSAction.changesSQL)
        }
        migrator.registerMigration("v5: 20i hosting, domains and DNS") { db in
            try db.execute(sql: TwentyISimulator.schema)
        }
        migrator.registerMigration("v6: TheSSLStore orders") { db in
            try db.execute(sql: SSLStoreSimulator.schema)
        }
        migrator.registerMigration(
            "v7: 20i cloud servers, stack users and single sign-on; cPanel files and certificates"
        ) { db in
            try db.execute(sql: TwentyISimulator.cloudSchema)
            try db.execute(sql: WHMAction.filesSQL)
            try db.execute(sql: "ALTER TABLE sslstore_orders ADD COLUMN csr TEXT NOT NULL DEFAULT ''")
            try db.execute(sql: "ALTER TABLE sslstore_orders ADD COLUMN certificate TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v8: WHMCS email log and single sign-on to a page") { db in
            try db.execute(sql: WHMCSSchema.emailsSQL)
        }
        migrator.registerMigration("v9: WHM reseller privileges") { db in
            try db.execute(
                sql:
                    "CREATE TABLE whm_revoked_privileges (user TEXT NOT NULL, privilege TEXT NOT NULL, PRIMARY KEY (user, privilege))"
            )
        }
        migrator.registerMigration("v10: TheSSLStore order contacts") { db in
            try db.execute(sql: "ALTER TABLE sslstore_orders ADD COLUMN contact_email TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v11: WHM disk and bandwidth use") { db in
            try db.execute(
                sql: """
                    CREATE TABLE whm_usage (
                        user TEXT PRIMARY KEY, disk_mb REAL NOT NULL DEFAULT 0, bandwidth_bytes INTEGER NOT NULL DEFAULT 0
                    )
                    """)
        }
        migrator.registerMigration("v12: WHMCS tax, promotions, refunds and client tax ids") { db in
            try db.execute(sql: WHMCSSchema.paymentsSQL)
        }
        migrator.registerMigration("v13: Stripe accounts, sessions, refunds and events") { db in
            try db.execute(sql: StripeSimulator.schema)
        }
        return migrator
    }
}
