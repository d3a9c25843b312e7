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
    /// Where changes are written: `platform.sqlite`, or the cluster's registry.
    let writer: any RegistryWriter

    /// Every domain of `tenant`, primary first.
    package func all(of tenant: Tenant.ID) throws -> [TenantDomain] {
        try platform.domains(of: tenant)
    }

    package init(platform: PlatformDatabase, baseDomain: String, writer: (any RegistryWriter)? = nil) {
        self.platform = platform
        self.baseDomain = baseDomain
        self.writer = writer ?? LocalRegistryWriter(platform: platform)
    }

    /// Adds `raw` as a pending domain of `tenant` with a fresh verification token.
    package func add(_ raw: String, to tenant: Tenant.ID, token: String, now: Date = Date()) async throws
        -> TenantDomain
    {
        let host: String
        do {
            host = try HostName.validateDomain(raw)
        } catch {
            throw DomainError.invalid("Enter a domain name such as portal.example.com (\(error)).")
        }
        guard host != baseDomain, !host.hasSuffix(".\(baseDomain)") else {
            throw DomainError.underBaseDomain(baseDomain)
        }
        return try await writer.changeDomain(.add(host, token: token), of: tenant, now: now)
    }

    /// Marks a pending domain active (its DNS proof was found).
    package func activate(_ host: String, of tenant: Tenant.ID, now: Date = Date()) async throws -> TenantDomain {
        try await writer.changeDomain(.activate(host), of: tenant, now: now)
    }

    /// Makes an active domain the tenant's primary one (the address in emails and canonical links).
    package func makePrimary(_ host: String, of tenant: Tenant.ID) async throws {
        _ = try await writer.changeDomain(.makePrimary(host), of: tenant, now: Date())
    }

    /// Removes a custom domain; never the platform's address, the primary one, or the last one that works.
    package func remove(_ host: String, of tenant: Tenant.ID) async throws -> TenantDomain {
        try await writer.changeDomain(.remove(host), of: tenant, now: Date())
    }

    /// A change to one of a tenant's domains, as a registry writer carries it out.
    package enum Change: Sendable, Equatable {
        case add(String, token: String)
        case activate(String)
        case makePrimary(String)
        case remove(String)

        package var host: String {
            switch self {
            case .add(let host, _), .activate(let host), .makePrimary(let host), .remove(let host): host
            }
        }
    }

    /// What a change does to the rows: hosts to delete, then rows to write (not primary first, so a tenant never
    /// has two primaries), and the domain to report. Decided from the rows read in the writer's transaction, so the
    /// same rules hold on `platform.sqlite` and on the shared registry.
    package struct Plan: Sendable, Equatable {
        package var deletes: [String] = []
        package var writes: [TenantDomain] = []
        package var result: TenantDomain
    }

    /// Applies the rules: `existing` is the row of `change.host` (any tenant's), `owned` every domain of `tenant`.
    package static func plan(
        _ change: Change, of tenant: Tenant.ID, existing: TenantDomain?, owned: [TenantDomain], now: Date
    ) throws -> Plan {
        let host = change.host
        let mine = existing.flatMap { $0.tenantID == tenant ? $0 : nil }
        switch change {
        case .add(_, let token):
            var deletes: [String] = []
            if let existing {
                // Another brand's claim that was never proven lapses, so nobody can hold a name they do not own.
                let lapsed =
                    existing.status == .pending && existing.tenantID != tenant
                    && (existing.addedAt.map { now.timeIntervalSince($0) > pendingLifetime } ?? true)
                guard lapsed else { throw DomainError.taken(host) }
                deletes.append(host)
            }
            guard owned.count < limit else { throw DomainError.tooMany(limit) }
            let domain = TenantDomain(
                hostname: host, tenantID: tenant, kind: .custom, isPrimary: false, status: .pending,
                verificationToken: token, addedAt: now)
            return Plan(deletes: deletes, writes: [domain], result: domain)
        case .activate:
            guard var domain = mine else { throw DomainError.notFound(host) }
            guard domain.status == .pending else { return Plan(result: domain) }
            domain.status = .active
            domain.verifiedAt = now
            return Plan(writes: [domain], result: domain)
        case .makePrimary:
            guard var domain = mine else { throw DomainError.notFound(host) }
            guard domain.status == .active else { throw DomainError.notActive(host) }
            guard !domain.isPrimary else { return Plan(result: domain) }
            var writes = owned.filter { $0.isPrimary }.map { old in
                var old = old
                old.isPrimary = false
                return old
            }
            domain.isPrimary = true
            writes.append(domain)
            return Plan(writes: writes, result: domain)
        case .remove:
            guard let domain = mine else { throw DomainError.notFound(host) }
            guard domain.kind == .custom else { throw DomainError.platformDomain }
            guard !domain.isPrimary else { throw DomainError.primary }
            let otherWorking = owned.filter { $0.hostname != host && $0.status == .active }.count
            guard domain.status != .active || otherWorking > 0 else { throw DomainError.lastWorking }
            return Plan(deletes: [host], result: domain)
        }
    }

    /// Carries out a change on `platform.sqlite`, in one transaction.
    static func apply(_ change: Change, of tenant: Tenant.ID, now: Date, in db: Database) throws -> TenantDomain {
        let existing = try TenantDomain.filter(TenantDomain.Columns.hostname == change.host).fetchOne(db)
        let owned = try TenantDomain.filter(TenantDomain.Columns.tenantID == tenant).fetchAll(db)
        let plan = try plan(change, of: tenant, existing: existing, owned: owned, now: now)
        for host in plan.deletes {
            try db.execute(sql: "DELETE FROM domains WHERE hostname = ?", arguments: [host])
        }
        // Rows losing the primary flag first: the one-primary index never sees two.
        for row in plan.writes.filter({ !$0.isPrimary }) + plan.writes.filter(\.isPrimary) {
            try row.save(db)
        }
        return plan.result
    }

    /// The domain `host` of `tenant`; another tenant's is "not found", never revealed.
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
