import Foundation
import GRDB

/// Moving a brand that has not sold anything yet to another currency: every catalogue price, setup fee, domain price
/// and platform cost converted by one factor, in one transaction, with the brand's new currency and rates.
package enum CurrencyChange {
    package enum Refusal: Error, Equatable {
        /// The brand has orders: its customers are billed in the old currency.
        case hasOrders(Int)
    }

    /// Converts and switches; `convert` maps an amount in the old currency's minor units to the new one's (costs
    /// are converted with `convertCost`, which rounds up so the floor never drops below the real cost).
    package static func apply(
        _ database: TenantDatabase, to currency: String, rates: String, ratesKey: String,
        convert: @escaping @Sendable (Int64) -> Int64, convertCost: @escaping @Sendable (Int64) -> Int64,
        audit: @escaping @Sendable (Database) throws -> Void, now: Date
    ) async throws {
        try await database.pool.write { db in
            let orders = try Int.fetchOne(db, sql: "SELECT count(*) FROM orders") ?? 0
            guard orders == 0 else { throw Refusal.hasOrders(orders) }
            for row in try Row.fetchAll(
                db, sql: "SELECT product_id, cycle, price_minor, setup_minor, cost_minor FROM product_prices")
            {
                let cost = convertCost(row["cost_minor"])
                try db.execute(
                    sql: """
                        UPDATE product_prices SET price_minor = ?, setup_minor = ?, cost_minor = ?
                        WHERE product_id = ? AND cycle = ?
                        """,
                    arguments: [
                        max(convert(row["price_minor"]), cost), convert(row["setup_minor"]), cost,
                        row["product_id"] as Int64, row["cycle"] as String,
                    ])
            }
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT product_id, tld, register_minor, transfer_minor, renew_minor, cost_minor FROM domain_prices"
            ) {
                let cost = convertCost(row["cost_minor"])
                try db.execute(
                    sql: """
                        UPDATE domain_prices SET register_minor = ?, transfer_minor = ?, renew_minor = ?, cost_minor = ?
                        WHERE product_id = ? AND tld = ?
                        """,
                    arguments: [
                        max(convert(row["register_minor"]), cost), max(convert(row["transfer_minor"]), cost),
                        max(convert(row["renew_minor"]), cost), cost, row["product_id"] as Int64, row["tld"] as String,
                    ])
            }
            // Each product is a new WHMCS product in the new currency: changed now, synced on next use.
            try db.execute(sql: "UPDATE products SET updated_at = ?", arguments: [now])
            try db.execute(
                sql: "UPDATE brand SET currency = ?, updated_at = ? WHERE id = 1", arguments: [currency, now])
            try db.execute(
                sql:
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [ratesKey, rates])
            try audit(db)
        }
    }
}
