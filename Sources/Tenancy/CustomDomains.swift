import Foundation
import GRDB

/// A tenant's own domains in the registry: added as pending, activated once proven through DNS, made primary,
/// removed. Every change bumps the registry revision, so a running server routes the new state within a second.
package struct CustomDomains: Sendable {
    package enum DomainError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        case taken(String)
        case underBaseDomain(String)
        case tooMany(Int)
        case notFound(String)
        case notActive(String)
        case platformDomain
        case primary
        case lastWorking

        package var description: String {
            switch self {
            case .invalid(let problem): problem
            case .taken(let host): "\(host) is already in use on this platform."
            case .underBaseDomain(let base): "Addresses under \(base) are the platform's; add a domain of your own."
            case .tooMany(let limit): "A brand can have at most \(limit) domains; remove one first."
            case .notFound(let host): "\(host) is not one of this brand's domains."
            case .notActive(let host): "\(host) is not verified yet; verify it before making it primary."
            case .platformDomain: "The platform's own address for your brand cannot be removed."
            case .primary: "This is the primary domain: make another domain primary before removing it."
            case .lastWorking: "This is the brand's last working domain, so it cannot be removed."
            }
        }
    }

    package static let limit = 20
    /// How long an unproven claim on a domain keeps other brands from adding it.
    package static let pendingLifetime: TimeInterval = 3 * 24 * 3600

    let platform: PlatformDatabase
    let baseDomain: String

    /// Every domain of `tenant`, primary first.
    package func all(of tenant: Tenant.ID) throws -> [TenantDomain] {
        try platform.domains(of: tenant)
    }

    package init(platform: PlatformDatabase, baseDomain: String) {
        self.platform = platform
        self.baseDomain = baseDomain
    }

    /// Adds `raw` as a pending domain of `tenant` with a fresh verification token.
    package func add(_ raw: String, to tenant: Tenant.ID, token: String, now: Date = Date()) throws -> TenantDomain {
        let host: String
        do {
            host = try HostName.validateDomain(raw)
        } catch {
            throw DomainError.invalid("Enter a domain name such as portal.example.com (\(error)).")
        }
        guard host != baseDomain, !host.hasSuffix(".\(baseDomain)") else {
            throw DomainError.underBaseDomain(baseDomain)
        }
        return try platform.pool.write { db in
            if let existing = try TenantDomain.filter(TenantDomain.Columns.hostname == host).fetchOne(db) {
                // Another brand's claim that was never proven lapses, so nobody can hold a name they do not own.
                let lapsed =
                    existing.status == .pending && existing.tenantID != tenant
                    && (existing.addedAt.map { now.timeIntervalSince($0) > Self.pendingLifetime } ?? true)
                guard lapsed else { throw DomainError.taken(host) }
                try db.execute(sql: "DELETE FROM domains WHERE hostname = ?", arguments: [host])
            }
            guard try TenantDomain.filter(TenantDomain.Columns.tenantID == tenant).fetchCount(db) < Self.limit else {
                throw DomainError.tooMany(Self.limit)
            }
            let domain = TenantDomain(
                hostname: host, tenantID: tenant, kind: .custom, isPrimary: false, status: .pending,
                verificationToken: token, addedAt: now
            )
            try domain.insert(db)
            return domain
        }
    }

    /// Marks a pending domain active (its DNS proof was found).
    package func activate(_ host: String, of tenant: Tenant.ID, now: Date = Date()) throws -> TenantDomain {
        try platform.pool.write { db in
            var domain = try Self.domain(db, host, of: tenant)
            guard domain.status == .pending else { return domain }
            domain.status = .active
            domain.verifiedAt = now
            try db.execute(
                sql: "UPDATE domains SET status = 'active', verified_at = ? WHERE hostname = ? AND tenant_id = ?",
                arguments: [now, host, tenant]
            )
            return domain
        }
    }

    /// Makes an active domain the tenant's primary one (the address in emails and canonical links).
    package func makePrimary(_ host: String, of tenant: Tenant.ID) throws {
        try platform.pool.write { db in
            let domain = try Self.domain(db, host, of: tenant)
            guard domain.status == .active else { throw DomainError.notActive(host) }
            try db.execute(
                sql: "UPDATE domains SET is_primary = 0 WHERE tenant_id = ? AND is_primary", arguments: [tenant])
            try db.execute(
                sql: "UPDATE domains SET is_primary = 1 WHERE hostname = ? AND tenant_id = ?",
                arguments: [host, tenant])
        }
    }

    /// Removes a custom domain; never the platform's address, the primary one, or the last one that works.
    package func remove(_ host: String, of tenant: Tenant.ID) throws -> TenantDomain {
        try platform.pool.write { db in
            let domain = try Self.domain(db, host, of: tenant)
            guard domain.kind == .custom else { throw DomainError.platformDomain }
            guard !domain.isPrimary else { throw DomainError.primary }
            let otherWorking =
                try TenantDomain
                .filter(
                    TenantDomain.Columns.tenantID == tenant && TenantDomain.Columns.hostname != host
                        && Column("status") == "active"
                )
                .fetchCount(db)
            guard domain.status != .active || otherWorking > 0 else { throw DomainError.lastWorking }
            try db.execute(sql: "DELETE FROM domains WHERE hostname = ? AND tenant_id = ?", arguments: [host, tenant])
            return domain
        }
    }

    /// The domain `host` of `tenant`; another tenant's domain is "not found", never revealed.
    package func domain(_ host: String, of tenant: Tenant.ID) throws -> TenantDomain {
        try platform.pool.read { db in try Self.domain(db, host, of: tenant) }
    }

    private static func domain(_ db: Database, _ host: String, of tenant: Tenant.ID) throws -> TenantDomain {
        guard
            let domain =
                try TenantDomain
                .filter(TenantDomain.Columns.hostname == host && TenantDomain.Columns.tenantID == tenant)
                .fetchOne(db)
        else { throw DomainError.notFound(host) }
        return domain
    }
}
