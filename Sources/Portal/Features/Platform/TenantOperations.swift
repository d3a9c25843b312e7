import Foundation
import Tenancy

/// What the platform owner does to one brand from the console: suspend (with its hosting accounts, optionally),
/// resume, measure its health, export it, back it up. Every action is audited on the platform.
package struct TenantOperations: Sendable {
    /// What the console shows about a brand besides its registry entry.
    package struct Overview: Sendable {
        package var domains: [TenantDomain]
        package var health: TenantHealth?
        package var backups: Int
        /// The platform audit entries about this brand, newest first.
        package var audit: [AuditEntry]
        /// Its exports on disk, newest first.
        package var exports: [URL]
    }

    let platform: PlatformDatabase
    let registry: TenantRegistry
    /// Where suspensions are written: `platform.sqlite`, or the cluster's registry.
    let writer: any RegistryWriter
    let realm: PlatformRealm
    let health: HealthCollector
    let hostingSuspension: HostingSuspension
    let archive: TenantArchive
    let backups: TenantBackups
    let exportsFolder: URL
    let now: @Sendable () -> Date

    /// The brand with this slug; a malformed or unknown slug is a 404.
    package func tenant(_ raw: String) throws -> Tenant {
        guard let slug = try? TenantSlug(validating: raw),
            let tenant = registry.snapshot.tenantsByID.values.first(where: { $0.slug == slug })
        else { throw PortalError.notFound }
        return tenant
    }

    package func overview(of tenant: Tenant) async throws -> Overview {
        let slug = tenant.slug
        let (domains, health, backupCount) = try await BlockingIO.run { [platform, backups] in
            (try platform.domains(of: tenant.id), try platform.health()[tenant.id], try backups.list(slug).count)
        }
        let entries = try await realm.withAccounts { try await $0.auditEntries(limit: 500) }.filter {
            $0.target == slug.rawValue
        }
        return Overview(
            domains: domains, health: health, backups: backupCount, audit: entries, exports: exports(of: slug))
    }

    /// Customers see "temporarily unavailable"; staff can still sign in and read `reason`. With `hosting`, the
    /// brand's hosting accounts are suspended at WHM too (and resumed with it).
    package func suspend(_ tenant: Tenant, reason: String, hosting: Bool, by user: Account, ip: String) async throws {
        _ = try await writer.setStatus(.suspended, slug: tenant.slug, reason: reason)
        var detail = "reason: \(reason)"
        if hosting { detail += "; hosting: " + (await hostingSuspension.suspend(tenant: tenant)) }
        try await audit("tenant.suspended", tenant, detail: detail, by: user, ip: ip)
    }

    package func resume(_ tenant: Tenant, by user: Account, ip: String) async throws {
        _ = try await writer.setStatus(.active, slug: tenant.slug, reason: "")
        let hosting = await hostingSuspension.unsuspend(tenant: tenant)
        try await audit(
            "tenant.resumed", tenant, detail: hosting.isEmpty ? "" : "hosting: \(hosting)", by: user, ip: ip)
    }

    package func measureHealth(_ tenant: Tenant, by user: Account, ip: String) async throws {
        await health.collect(tenant)
        try await audit("tenant.health_measured", tenant, detail: "", by: user, ip: ip)
    }

    /// Writes an archive of the brand; the three newest are kept. A second click in the same second gets the
    /// archive the first one wrote.
    package func export(_ tenant: Tenant, by user: Account, ip: String) async throws {
        let folder = exportsFolder.appendingPathComponent(tenant.slug.rawValue, isDirectory: true)
        let file = folder.appendingPathComponent("\(tenant.slug)-\(TenantBackups.stamp(now())).tar.gz")
        let manifest = try await BlockingIO.run { [archive] () -> TenantArchive.Manifest? in
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard !FileManager.default.fileExists(atPath: file.path) else { return nil }
            return try archive.export(slug: tenant.slug, to: file)
        }
        guard let manifest else { return }
        for old in exports(of: tenant.slug).dropFirst(3) { try? FileManager.default.removeItem(at: old) }
        try await audit(
            "tenant.exported", tenant, detail: "\(file.lastPathComponent), \(manifest.files.count) files", by: user,
            ip: ip)
    }

    /// One of the brand's exports, by its file name (nothing outside its folder), audited as downloaded.
    package func exportFile(_ name: String, of tenant: Tenant, by user: Account, ip: String) async throws -> URL {
        guard let file = exports(of: tenant.slug).first(where: { $0.lastPathComponent == name }) else {
            throw PortalError.notFound
        }
        try await audit("tenant.export_downloaded", tenant, detail: name, by: user, ip: ip)
        return file
    }

    package func backUp(_ tenant: Tenant, by user: Account, ip: String) async throws {
        let backup = try await BlockingIO.run { [backups] in try backups.backUp(tenant.slug) }
        try await audit("tenant.backed_up", tenant, detail: backup.url.lastPathComponent, by: user, ip: ip)
    }

    /// The brand's exports on disk, newest first.
    func exports(of slug: TenantSlug) -> [URL] {
        let folder = exportsFolder.appendingPathComponent(slug.rawValue, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix("\(slug.rawValue)-") && $0.hasSuffix(".tar.gz") }.sorted(by: >)
            .map { folder.appendingPathComponent($0) }
    }

    private func audit(_ action: String, _ tenant: Tenant, detail: String, by user: Account, ip: String) async throws {
        try await realm.withAccounts { store in
            try await store.audit(action, actor: user, target: tenant.slug.rawValue, detail: detail, ip: ip)
        }
    }
}
