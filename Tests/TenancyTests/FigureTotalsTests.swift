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

    private func expectTotalsMatch(_ database: TenantDatabase, _ comment: Comment) async throws {
        let rows = { (sql: String) in
            try await database.pool.read { db in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
        }
        let (serviceTotals, serviceGroups) = (try await rows(Self.serviceTotals), try await rows(Self.serviceGroups))
        let (invoiceTotals, invoiceGroups) = (try await rows(Self.invoiceTotals), try await rows(Self.invoiceGroups))
        #expect(serviceTotals == serviceGroups, comment)
        #expect(invoiceTotals == invoiceGroups, comment)
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
        }
        try await expectTotalsMatch(database, "after updates")

        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM service_mirror WHERE whmcs_service_id % 2 = 0")
            try db.execute(sql: "DELETE FROM invoice_mirror WHERE whmcs_invoice_id % 3 = 0")
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
        }
        let left = try await database.pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT (SELECT count(*) FROM service_totals) + (SELECT count(*) FROM invoice_totals)")
        }
        #expect(left == 0, "empty groups are removed")
    }
}
