import Foundation
import GRDB

/// The rows a new tenant gets: checked by `TenantOnboarding.validate`, written by a `RegistryWriter`.
package struct TenantRegistration: Sendable, Equatable {
    package var slug: TenantSlug
    package var name: String
    package var status: Tenant.Status
    package var createdAt: Date
    /// Its domains, primary first; their `tenantID` is filled in by the writer.
    package var domains: [TenantDomain]

    package init(slug: TenantSlug, name: String, status: Tenant.Status, createdAt: Date, domains: [TenantDomain]) {
        self.slug = slug
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.domains = domains
    }
}

/// Where changes to tenants are written: this node's `platform.sqlite`, or the registry every node shares.
///
/// Reads never go through it: every node reads its own `platform.sqlite`, which a shared registry keeps current.
/// When a method returns, this process's `TenantRegistry` already shows the change.
package protocol RegistryWriter: Sendable {
    /// Writes the tenant's rows, runs `beforeCommit` (the folder moves into place) and commits; nothing is kept when
    /// either fails. A duplicate slug or domain is reported as `TenancyError.duplicateSlug` / `.duplicateDomain`.
    func register(
        _ registration: TenantRegistration, beforeCommit: @escaping @Sendable () throws -> Void
    ) async throws -> Tenant
    /// Deletes the tenant's rows (its domains with them) and returns what they were.
    func remove(slug: TenantSlug) async throws -> Tenant
    /// Sets a tenant's status and the reason its staff are shown; returns the updated tenant.
    func setStatus(_ status: Tenant.Status, slug: TenantSlug, reason: String) async throws -> Tenant
    /// Puts a tenant into maintenance (its sites answer 503) or takes it out; returns the updated tenant.
    func setMaintenance(_ on: Bool, slug: TenantSlug, now: Date) async throws -> Tenant
    /// Adds, activates, makes primary or removes one of the tenant's domains (`CustomDomains.plan`'s rules, checked
    /// in the writer's transaction); returns the domain as it now is (as it was, when removed).
    func changeDomain(_ change: CustomDomains.Change, of tenant: Tenant.ID, now: Date) async throws -> TenantDomain
}

/// The single-node writer: `platform.sqlite` itself.
package struct LocalRegistryWriter: RegistryWriter {
    package let platform: PlatformDatabase
    /// Reloaded after each change, when given.
    package let registry: TenantRegistry?

    package init(platform: PlatformDatabase, registry: TenantRegistry? = nil) {
        self.platform = platform
        self.registry = registry
    }

    package func register(
        _ registration: TenantRegistration, beforeCommit: @escaping @Sendable () throws -> Void
    ) async throws -> Tenant {
        try await written { try registerNow(registration, beforeCommit: beforeCommit) }
    }

    /// `register` for callers that are not async (the demo and bench set-up).
    package func registerNow(_ registration: TenantRegistration, beforeCommit: () throws -> Void) throws -> Tenant {
        do {
            return try platform.pool.write { db in
                try db.execute(
                    sql: "INSERT INTO tenants (slug, name, status, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [registration.slug, registration.name, registration.status, registration.createdAt]
                )
                let id = Tenant.ID(db.lastInsertedRowID)
                for var domain in registration.domains {
                    domain.tenantID = id
                    try domain.insert(db)
                }
                try beforeCommit()
                guard let tenant = try Tenant.fetchOne(db, key: id.rawValue) else {
                    throw TenancyError.storage("the new tenant could not be read back")
                }
                return tenant
            }
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        {
            // A race past `TenantOnboarding.validate`: the same clear message.
            if error.message?.contains("tenants.slug") == true {
                throw TenancyError.duplicateSlug(registration.slug.rawValue)
            }
            throw TenancyError.duplicateDomain(error.message ?? "")
        }
    }

    package func remove(slug: TenantSlug) async throws -> Tenant {
        try await written { try removeNow(slug: slug) }
    }

    package func removeNow(slug: TenantSlug) throws -> Tenant {
        try platform.pool.write { db in
            guard let tenant = try Tenant.filter(Tenant.Columns.slug == slug).fetchOne(db) else {
                throw TenancyError.unknownTenant(slug.rawValue)
            }
            try db.execute(sql: "DELETE FROM tenants WHERE id = ?", arguments: [tenant.id])
            return tenant
        }
    }

    package func setStatus(_ status: Tenant.Status, slug: TenantSlug, reason: String) async throws -> Tenant {
        try await written { try platform.setStatus(status, slug: slug, reason: reason) }
    }

    package func setMaintenance(_ on: Bool, slug: TenantSlug, now: Date) async throws -> Tenant {
        try await written { try platform.setMaintenance(on, slug: slug, now: now) }
    }

    package func changeDomain(_ change: CustomDomains.Change, of tenant: Tenant.ID, now: Date) async throws
        -> TenantDomain
    {
        try await written { [platform] in
            try platform.pool.write { db in try CustomDomains.apply(change, of: tenant, now: now, in: db) }
        }
    }

    /// Runs a write on the blocking pool, then reloads the registry.
    private func written<T: Sendable>(_ write: @escaping @Sendable () throws -> T) async throws -> T {
        let result = try await BlockingIO.run(write)
        try await registry?.reload()
        return result
    }
}
