import Foundation
import Hummingbird
import Logging
import Tenancy

/// The platform console for platform users: every tenant with its health (searchable, sortable, paged), one
/// tenant's page with suspend/resume, export and backup, and the platform's audit log. Every action is audited.
package struct PlatformController: Sendable {
    let flows: AccountFlows
    let realm: PlatformRealm
    let registry: TenantRegistry
    let platform: PlatformDatabase
    let health: HealthCollector
    let hostingSuspension: HostingSuspension
    let archive: TenantArchive
    let backups: TenantBackups
    let exportsFolder: URL

    package static let pageSize = 50
    /// The tenant setting that remembers which hosting accounts the platform suspended with the tenant.
    package func addRoutes(to group: RouterGroup<PlatformUserContext>) {
        group.get(ConsolePaths.home.route, use: home)
        group.get(ConsolePaths.audit.route, use: audit)
        group.get(ConsolePaths.tenant.route, use: tenant)
        group.post(ConsolePaths.tenantSuspend.route, use: suspend)
        group.post(ConsolePaths.tenantResume.route, use: resume)
        group.post(ConsolePaths.tenantHealth.route, use: refreshHealth)
        group.post(ConsolePaths.tenantExport.route, use: export)
        group.get(ConsolePaths.tenantExportFile.route, use: download)
        group.post(ConsolePaths.tenantBackup.route, use: backUp)
    }

    // MARK: One tenant

    func tenantPage(_ tenant: Tenant, context: PlatformUserContext, notice: Notice? = nil) async throws -> TenantPage {
        let slug = tenant.slug
        let (domains, health, backupCount) = try await BlockingIO.run { [platform, backups] in
            (try platform.domains(of: tenant.id), try platform.health()[tenant.id], try backups.list(slug).count)
        }
        let entries = try await realm.withAccounts { try await $0.auditEntries(limit: 500) }.filter {
            $0.target == slug.rawValue
        }
        let exports = exports(of: slug).map {
            TenantPage.Export(
                name: $0.lastPathComponent, link: ConsolePaths.tenantExportFile.link(slug, $0.lastPathComponent),
                size: FileSize.text(FileSize.bytes(at: $0.path)))
        }
        return TenantPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, slug: slug.rawValue, name: tenant.name,
            status: Self.status(tenant), isSuspended: tenant.status == .suspended, reason: tenant.statusReason,
            created: PageDates.format(tenant.createdAt),
            domains: domains.map {
                .init(
                    hostname: $0.hostname, kind: $0.kind.rawValue,
                    status: $0.status == .active ? "working" : "waiting for DNS", isPrimary: $0.isPrimary)
            },
            customers: health.map { String($0.customers) } ?? "–",
            services: health.map { String($0.activeServices) } ?? "–",
            failed: health.map { String($0.failedJobs) } ?? "–",
            lastActivity: health?.lastActivity.map(PageDates.format) ?? "never",
            size: health.map { FileSize.text($0.databaseBytes) } ?? "–",
            measured: health.map { PageDates.format($0.checkedAt) } ?? "not yet",
            exports: exports, hasExports: !exports.isEmpty, backups: backupCount,
            audit: AuditPage.rows(Array(entries.prefix(50))),
            hasAudit: !entries.isEmpty
        )
    }

    func lookup(_ context: PlatformUserContext) throws -> Tenant {
        guard let raw = context.parameters.get("slug"), let slug = try? TenantSlug(validating: raw),
            let tenant = registry.snapshot.tenantsByID.values.first(where: { $0.slug == slug })
        else { throw PortalError.notFound }
        return tenant
    }

    @Sendable func tenant(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "created":
                .success(
                    "Created. The owner has been sent an invitation; custom domains serve once their DNS proof is verified."
                )
            case "suspended":
                .success("Suspended: customers see “temporarily unavailable”; staff can still sign in and read why.")
            case "resumed": .success("Resumed: the brand's sites are back.")
            case "measured": .success("Health measured now.")
            case "exported": .success("Archive written; download it below.")
            case "backed-up": .success("Backup taken.")
            default: nil
            }
        return try flows.page(try await tenantPage(tenant, context: context, notice: notice), "platform/tenant")
    }

    @Sendable func suspend(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        let form = try await FormData.parse(request)
        let reason = form.trimmed("reason")
        guard !reason.isEmpty, reason.count <= 500 else {
            var page = try await tenantPage(tenant, context: context, notice: .error("The brand was not suspended."))
            page.reasonInput = reason
            page.reasonError = "Say why in at most 500 characters: the brand's staff read this when they sign in."
            return try flows.page(page, "platform/tenant", status: .unprocessableContent)
        }
        _ = try await BlockingIO.run { [platform] in
            try platform.setStatus(.suspended, slug: tenant.slug, reason: reason)
        }
        try await registry.reload()
        var detail = "reason: \(reason)"
        if form["suspend_hosting"] == "on" {
            detail += "; hosting: " + (await hostingSuspension.suspend(tenant: tenant))
        }
        try await auditAction(context, "tenant.suspended", tenant, detail: detail)
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=suspended")
    }

    @Sendable func resume(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        _ = try await BlockingIO.run { [platform] in try platform.setStatus(.active, slug: tenant.slug) }
        try await registry.reload()
        let hosting = await hostingSuspension.unsuspend(tenant: tenant)
        try await auditAction(context, "tenant.resumed", tenant, detail: hosting.isEmpty ? "" : "hosting: \(hosting)")
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=resumed")
    }

    @Sendable func refreshHealth(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        await health.collect(tenant)
        try await auditAction(context, "tenant.health_measured", tenant, detail: "")
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=measured")
    }

    @Sendable func export(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        let folder = exportsFolder.appendingPathComponent(tenant.slug.rawValue, isDirectory: true)
        let file = folder.appendingPathComponent("\(tenant.slug)-\(TenantBackups.stamp(Date())).tar.gz")
        let manifest = try await BlockingIO.run { [archive] () -> TenantArchive.Manifest? in
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // A second click in the same second gets the archive the first one wrote.
            guard !FileManager.default.fileExists(atPath: file.path) else { return nil }
            return try archive.export(slug: tenant.slug, to: file)
        }
        guard let manifest else { return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=exported") }
        // Keep the three newest exports of a tenant.
        for old in exports(of: tenant.slug).dropFirst(3) { try? FileManager.default.removeItem(at: old) }
        try await auditAction(
            context, "tenant.exported", tenant, detail: "\(file.lastPathComponent), \(manifest.files.count) files")
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=exported")
    }

    @Sendable func download(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        guard let name = context.parameters.get("file"),
            let file = exports(of: tenant.slug).first(where: { $0.lastPathComponent == name })
        else { throw PortalError.notFound }
        let body = try await FileIO().loadFile(path: file.path, context: context)
        try await auditAction(context, "tenant.export_downloaded", tenant, detail: name)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/gzip", .contentDisposition: "attachment; filename=\"\(name)\"",
                .cacheControl: "no-store",
            ],
            body: body
        )
    }

    @Sendable func backUp(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        let backup = try await BlockingIO.run { [backups] in try backups.backUp(tenant.slug) }
        try await auditAction(context, "tenant.backed_up", tenant, detail: backup.url.lastPathComponent)
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=backed-up")
    }

    /// The tenant's exports on disk, newest first.
    func exports(of slug: TenantSlug) -> [URL] {
        let folder = exportsFolder.appendingPathComponent(slug.rawValue, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix("\(slug.rawValue)-") && $0.hasSuffix(".tar.gz") }.sorted(by: >)
            .map { folder.appendingPathComponent($0) }
    }

    func auditAction(_ context: PlatformUserContext, _ action: String, _ tenant: Tenant, detail: String) async throws {
        try await realm.withAccounts { store in
            try await store.audit(
                action, actor: context.account, target: tenant.slug.rawValue, detail: detail,
                ip: context.origin.clientAddress ?? "")
        }
    }

    // MARK: Audit

    @Sendable func audit(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let action = String((request.uri.queryParameters.get("action") ?? "").prefix(64))
        let actor = String((request.uri.queryParameters.get("actor") ?? "").prefix(254))
        let entries = try await realm.withAccounts { try await $0.auditEntries(action: action, actor: actor) }
        let rows = AuditPage.rows(entries)
        let page = AuditPage(
            chrome: context.chrome, csrf: context.csrfToken, rows: rows, action: action, actor: actor,
            isEmpty: rows.isEmpty
        )
        return try flows.page(page, "platform/audit")
    }
}
