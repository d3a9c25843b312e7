import Foundation
import GRDB
import Tenancy

/// One published version of the brand, for the history list.
package struct BrandVersion: Sendable, Equatable {
    package let version: Int
    package let publishedBy: String
    package let publishedAt: Date
    package let note: String
    package let brand: Brand
}

/// Drafts (one per staff member), publishing and the history of a tenant's brand. Each method is one transaction.
package struct BrandStudio: Sendable {
    package static let keptVersions = 20

    let pool: DatabasePool

    package init(pool: DatabasePool) {
        self.pool = pool
    }

    package func published() async throws -> Brand {
        try await pool.read { db in try TenantDatabase.fetchBrand(db) }
    }

    /// The staff member's draft, or nil when they have none (they then edit the published brand).
    package func draft(of staff: Account.ID) async throws -> Brand? {
        try await pool.read { db in
            guard
                let data = try String.fetchOne(
                    db, sql: "SELECT data FROM brand_drafts WHERE account_id = ?", arguments: [staff.rawValue])
            else { return nil }
            return try JSONDecoder().decode(Brand.self, from: Data(data.utf8))
        }
    }

    /// Saves the staff member's draft; nobody else sees it.
    package func saveDraft(_ brand: Brand, of staff: Account.ID, now: Date = Date()) async throws {
        let data = String(decoding: try JSONEncoder().encode(brand), as: UTF8.self)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO brand_drafts (account_id, data, based_on_version, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(account_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
                    """,
                arguments: [staff.rawValue, data, brand.version, now]
            )
        }
    }

    package func discardDraft(of staff: Account.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM brand_drafts WHERE account_id = ?", arguments: [staff.rawValue])
        }
    }

    /// Makes `brand` the published brand atomically: a new version number, a history entry (the last 20 are kept),
    /// the staff member's draft gone, and an audit entry.
    package func publish(
        _ brand: Brand, by staff: Account, action: String = "brand.published", note: String = "", ip: String,
        now: Date = Date()
    ) async throws -> Brand {
        try await pool.write { db in
            let current = try TenantDatabase.fetchBrand(db)
            var published = brand
            published.currency = current.currency
            published.version = current.version + 1
            try TenantDatabase.write(db, published)
            let data = String(decoding: try JSONEncoder().encode(published), as: UTF8.self)
            try db.execute(
                sql:
                    "INSERT INTO brand_versions (version, data, published_by, published_at, note) VALUES (?, ?, ?, ?, ?)",
                arguments: [published.version, data, staff.email, now, note]
            )
            try db.execute(
                sql:
                    "DELETE FROM brand_versions WHERE id NOT IN (SELECT id FROM brand_versions ORDER BY id DESC LIMIT ?)",
                arguments: [Self.keptVersions]
            )
            try db.execute(sql: "DELETE FROM brand_drafts WHERE account_id = ?", arguments: [staff.id.rawValue])
            try AccountStore.appendAudit(
                db, action, actor: staff, target: "version \(published.version)", detail: note, ip: ip, now: now
            )
            return published
        }
    }

    /// The kept published versions, newest first.
    package func versions() async throws -> [BrandVersion] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM brand_versions ORDER BY id DESC").map { row in
                BrandVersion(
                    version: row["version"], publishedBy: row["published_by"], publishedAt: row["published_at"],
                    note: row["note"],
                    brand: try JSONDecoder().decode(Brand.self, from: Data((row["data"] as String).utf8))
                )
            }
        }
    }

    /// Publishes a kept version again, as a new version; nil when that version is no longer kept.
    package func restore(version: Int, by staff: Account, ip: String, now: Date = Date()) async throws -> Brand? {
        guard let kept = try await versions().first(where: { $0.version == version }) else { return nil }
        return try await publish(
            kept.brand, by: staff, action: "brand.restored", note: "restored version \(version)", ip: ip, now: now)
    }
}

extension TenantDatabase {
    /// The brand studio of this tenant.
    package var brandStudio: BrandStudio { BrandStudio(pool: pool) }
}
