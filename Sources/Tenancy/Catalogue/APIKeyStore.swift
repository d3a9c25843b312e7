import Foundation
import GRDB

/// A key for the tenant's product API; only its SHA-256 and last four characters are stored.
package struct APIKey: Codable, Hashable, Sendable, FetchableRecord {
    package var id: Int64
    package var name: String
    package var lastFour: String
    package var createdAt: Date
    package var lastUsedAt: Date?
    package var revokedAt: Date?
    /// Nil: the key does not expire.
    package var expiresAt: Date?
    /// The staff member whose key it is; nil once they were removed.
    package var createdBy: Account.ID?
    /// Their address and role now (read with the key); nil once they were removed.
    package var ownerEmail: String?
    package var ownerRole: Account.Role?

    package enum CodingKeys: String, CodingKey {
        case id, name
        case lastFour = "last_four"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
        case expiresAt = "expires_at"
        case createdBy = "created_by"
        case ownerEmail = "owner_email"
        case ownerRole = "owner_role"
    }

    /// A key works while it is not revoked or expired and the staff member who made it is still an owner or admin.
    package func works(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true) && (ownerRole == .owner || ownerRole == .admin)
    }
}

/// The tenant's API keys: each method is one transaction.
package struct APIKeyStore: Sendable {
    let pool: DatabasePool

    static let select = """
        SELECT k.*, a.email AS owner_email, a.role AS owner_role FROM api_keys k
        LEFT JOIN accounts a ON a.id = k.created_by AND a.kind = 'staff'
        """

    package func keys() async throws -> [APIKey] {
        try await pool.read { db in
            try APIKey.fetchAll(db, sql: "\(Self.select) ORDER BY k.revoked_at IS NOT NULL, k.id DESC")
        }
    }

    /// Stores a new key's hash and audits it.
    package func add(
        name: String, hash: String, lastFour: String, expiresAt: Date? = nil, actor: Account, ip: String,
        now: Date = Date()
    ) async throws -> APIKey {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (name, key_hash, last_four, created_by, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, hash, lastFour, actor.id, now, expiresAt]
            )
            let id = db.lastInsertedRowID
            try AccountStore.appendAudit(
                db, "api_key.created", actor: actor, target: "key …\(lastFour)",
                detail: name + (expiresAt.map { ", expires \($0)" } ?? ""), ip: ip, now: now)
            return APIKey(
                id: id, name: name, lastFour: lastFour, createdAt: now, expiresAt: expiresAt, createdBy: actor.id,
                ownerEmail: actor.email, ownerRole: actor.role)
        }
    }

    /// Revokes a key at once; a revoked key never works again.
    package func revoke(_ id: Int64, actor: Account, ip: String, now: Date = Date()) async throws -> Bool {
        try await pool.write { db in
            guard
                let key = try APIKey.fetchOne(
                    db, sql: "SELECT * FROM api_keys WHERE id = ? AND revoked_at IS NULL", arguments: [id])
            else {
                return false
            }
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ?", arguments: [now, id])
            try AccountStore.appendAudit(
                db, "api_key.revoked", actor: actor, target: "key …\(key.lastFour)", detail: key.name, ip: ip, now: now)
            return true
        }
    }

    /// The live key with this hash, its last use noted (at most once a minute, to keep reads cheap): not revoked,
    /// not expired, and its maker still on the staff as an owner or admin.
    package func authenticate(hash: String, now: Date = Date()) async throws -> APIKey? {
        let key = try await pool.read { db in
            try APIKey.fetchOne(db, sql: "\(Self.select) WHERE k.key_hash = ?", arguments: [hash])
        }.flatMap { $0.works(at: now) ? $0 : nil }
        if let key, key.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await pool.write { db in
                try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [now, key.id])
            }
        }
        return key
    }
}

extension TenantDatabase {
    /// Keys for the product API.
    package var apiKeys: APIKeyStore { APIKeyStore(pool: pool) }
}
