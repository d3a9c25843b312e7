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

    package enum CodingKeys: String, CodingKey {
        case id, name
        case lastFour = "last_four"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }
}

/// The tenant's API keys: each method is one transaction.
package struct APIKeyStore: Sendable {
    let pool: DatabasePool

    package func keys() async throws -> [APIKey] {
        try await pool.read { db in
            try APIKey.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY revoked_at IS NOT NULL, id DESC")
        }
    }

    /// Stores a new key's hash and audits it.
    package func add(name: String, hash: String, lastFour: String, actor: Account, ip: String, now: Date = Date())
        async throws -> APIKey
    {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO api_keys (name, key_hash, last_four, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, hash, lastFour, actor.id, now]
            )
            let id = db.lastInsertedRowID
            try AccountStore.appendAudit(
                db, "api_key.created", actor: actor, target: "key …\(lastFour)", detail: name, ip: ip, now: now)
            return APIKey(id: id, name: name, lastFour: lastFour, createdAt: now)
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

    /// The live key with this hash, its last use noted (at most once a minute, to keep reads cheap).
    package func authenticate(hash: String, now: Date = Date()) async throws -> APIKey? {
        let key = try await pool.read { db in
            try APIKey.fetchOne(
                db, sql: "SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", arguments: [hash])
        }
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
