import Foundation
import GRDB
import Testing

@testable import Tenancy

@Suite("Staff dashboard totals kept by triggers")
struct FigureTotalsTests {
    private static let serviceGroups = """
        SELECT status, whmcs_product_id, billing_cycle, count(*), sum(recurring_minor) FROM service_mirror
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
    private static let serviceTotals = """
        SELECT status, whmcs_product_id, billing_cycle, services, recurring_minor FROM service_totals ORDER BY 1, 2, 3
        """
    private static let invoiceGroups = """
        SELECT status, currency, substr(date, 1, 7), count(*), sum(total_minor) FROM invoice_mirror
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
    private static let invoiceTotals = """
        SELECT status, currency, month, invoices, total_minor FROM invoice_totals ORDER BY 1, 2, 3
        """

    private static let dueDateGroups = """
        SELECT status, currency, due_date, count(*), sum(total_minor) FROM invoice_mirror
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
    private static let dueDateTotals = """
        SELECT status, currency, due_date, invoices, total_minor FROM invoice_due_totals ORDER BY 1, 2, 3
        """
    private static let orderDayGroups = """
        SELECT substr(created_at, 1, 10), coalesce(change_kind, ''), count(*) FROM orders GROUP BY 1, 2 ORDER BY 1, 2
        """
    private static let orderDayTotals = "SELECT day, change_kind, orders FROM order_day_totals ORDER BY 1, 2"

    /// Each kept total beside the GROUP BY it stands for.
    private static let pairs = [
        (serviceTotals, serviceGroups), (invoiceTotals, invoiceGroups), (dueDateTotals, dueDateGroups),
        (orderDayTotals, orderDayGroups),
    ]

    private func expectTotalsMatch(_ database: TenantDatabase, _ comment: Comment) async throws {
        let rows = { (sql: String) in
            try await database.pool.read { db in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
        }
        for (totals, groups) in Self.pairs {
            #expect(try await rows(totals) == rows(groups), "\(comment): \(totals)")
        }
    }

    @Test("after inserts, updates of every summed column and deletes, the totals equal a fresh GROUP BY")
    func totalsFollowEveryChange() async throws {
        let data = try TestDataDirectory()
        let database = try TenantDatabase.open(
            path: data.directory.root.path + "/tenant.sqlite", tenantID: Tenant.ID(1))
        defer { try? database.close() }
        try BenchData.seedCatalogue(database, number: 9_999, customerSession: "s")
        try BenchData.seedOffice(database, customers: 60, services: 300, ownerSession: "o")
        try await expectTotalsMatch(database, "after inserts")
        let totals = try await database.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM service_totals") }
        #expect((totals ?? 0) > 5, "the seed spreads services over several groups")
        let (days, dueDates) = try await database.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM order_day_totals") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM invoice_due_totals") ?? 0
            )
        }
        #expect(days > 5 && dueDates > 5, "the seed spreads orders over days and invoices over due dates")

        try await database.pool.write { db in
            try db.execute(sql: "UPDATE service_mirror SET status = 'Suspended' WHERE whmcs_service_id % 7 = 0")
            try db.execute(
                sql: "UPDATE service_mirror SET recurring_minor = recurring_minor + 17 WHERE whmcs_service_id % 5 = 0")
            try db.execute(
                sql: "UPDATE service_mirror SET billing_cycle = 'Biennially' WHERE whmcs_service_id % 11 = 0")
            try db.execute(sql: "UPDATE service_mirror SET whmcs_product_id = 9 WHERE whmcs_service_id % 13 = 0")
            try db.execute(sql: "UPDATE service_mirror SET domain = 'x' || domain WHERE whmcs_service_id % 3 = 0")
            try db.execute(sql: "UPDATE invoice_mirror SET status = 'Paid' WHERE whmcs_invoice_id % 4 = 0")
            try db.execute(
                sql: "UPDATE invoice_mirror SET total_minor = total_minor * 2 WHERE whmcs_invoice_id % 6 = 0")
            try db.execute(sql: "UPDATE invoice_mirror SET date = '2025-01-15' WHERE whmcs_invoice_id % 9 = 0")
            try db.execute(sql: "UPDATE invoice_mirror SET currency = 'EUR' WHERE whmcs_invoice_id % 10 = 0")
            try db.execute(sql: "UPDATE invoice_mirror SET due_date = '2025-02-01' WHERE whmcs_invoice_id % 8 = 0")
            try db.execute(sql: "UPDATE orders SET change_kind = 'cancel' WHERE id % 4 = 0")
            try db.execute(sql: "UPDATE orders SET change_kind = 'upgrade' WHERE id % 9 = 0")
            try db.execute(sql: "UPDATE orders SET change_kind = NULL WHERE id % 8 = 0")
            try db.execute(sql: "UPDATE orders SET created_at = '2025-03-04 10:00:00.000' WHERE id % 5 = 0")
            try db.execute(sql: "UPDATE orders SET status = 'failed' WHERE id % 3 = 0")
        }
        try await expectTotalsMatch(database, "after updates")

        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM service_mirror WHERE whmcs_service_id % 2 = 0")
            try db.execute(sql: "DELETE FROM invoice_mirror WHERE whmcs_invoice_id % 3 = 0")
            try db.execute(sql: "DELETE FROM orders WHERE id % 2 = 0")
        }
        try await expectTotalsMatch(database, "after deletes")
        // A rolled-back change leaves the totals as they were.
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await database.pool.write { db in
                try db.execute(sql: "DELETE FROM service_mirror")
                throw Abort()
            }
        }
        try await expectTotalsMatch(database, "after a rollback")
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM service_mirror")
            try db.execute(sql: "DELETE FROM invoice_mirror")
            try db.execute(sql: "DELETE FROM orders")
        }
        let left = try await database.pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT (SELECT count(*) FROM service_totals) + (SELECT count(*) FROM invoice_totals)
                        + (SELECT count(*) FROM invoice_due_totals) + (SELECT count(*) FROM order_day_totals)
                    """)
        }
        #expect(left == 0, "empty groups are removed")
    }

    @Test("a database from before the totals gains them on its next open, filled from the rows it holds")
    func totalsFilledOnMigration() async throws {
        let data = try TestDataDirectory()
        let path = data.directory.root.path + "/tenant.sqlite"
        var database = try TenantDatabase.open(path: path, tenantID: Tenant.ID(1))
        try BenchData.seedCatalogue(database, number: 9_998, customerSession: "s")
        try BenchData.seedOffice(database, customers: 40, services: 120, ownerSession: "o")
        // Back to version 23: the two totals migrations' tables, triggers and records removed.
        try await database.pool.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    DROP TABLE invoice_due_totals; DROP TABLE order_day_totals;
                    DROP TABLE service_totals; DROP TABLE invoice_totals;
                    DROP TRIGGER invoice_due_totals_insert; DROP TRIGGER invoice_due_totals_delete;
                    DROP TRIGGER invoice_due_totals_update; DROP TRIGGER order_day_totals_insert;
                    DROP TRIGGER order_day_totals_delete; DROP TRIGGER order_day_totals_update;
                    DROP TRIGGER service_totals_insert; DROP TRIGGER service_totals_delete;
                    DROP TRIGGER service_totals_update; DROP TRIGGER invoice_totals_insert;
                    DROP TRIGGER invoice_totals_delete; DROP TRIGGER invoice_totals_update;
                    DELETE FROM grdb_migrations WHERE identifier LIKE 'v24:%' OR identifier LIKE 'v25:%';
                    PRAGMA user_version = 23;
                    """)
        }
        try database.close()
        database = try TenantDatabase.open(path: path, tenantID: Tenant.ID(1))
        defer { try? database.close() }
        let (version, orders) = try await database.pool.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"), try Int.fetchOne(db, sql: "SELECT count(*) FROM orders"))
        }
        #expect(version == TenantDatabase.schemaVersion && (orders ?? 0) > 0)
        try await expectTotalsMatch(database, "after the migration")
    }
}
