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
    let logger: Logger

    package static let pageSize = 50
    /// The tenant setting that remembers which hosting accounts the platform suspended with the tenant.
    package func addRoutes(to group: RouterGroup<PlatformUserContext>) {
        group.get("/", use: home)
        group.get("/audit", use: audit)
        group.get("/tenants/{slug}", use: tenant)
        group.post("/tenants/{slug}/suspend", use: suspend)
        group.post("/tenants/{slug}/resume", use: resume)
        group.post("/tenants/{slug}/health", use: refreshHealth)
        group.post("/tenants/{slug}/export", use: export)
        group.get("/tenants/{slug}/exports/{file}", use: download)
        group.post("/tenants/{slug}/backup", use: backUp)
    }

    // MARK: List

    @Sendable func home(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        // A GET form sends spaces as "+" and a plus sign as "%2B".
        let query = String(
            (FormQuery.value("q", in: request.uri.query) ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                .prefix(100))
        let sort = parameters.get("sort").flatMap(SortKey.init(rawValue:)) ?? .slug
        let descending = parameters.get("dir") == "desc"
        let snapshot = registry.snapshot
        let (healthByID, domains) = try await BlockingIO.run { [platform] in
            (try platform.health(), try platform.allDomains())
        }
        let hostsByTenant = Dictionary(grouping: domains, by: \.tenantID)
        var tenants = Array(snapshot.tenantsByID.values)
        if !query.isEmpty {
            tenants = tenants.filter { tenant in
                tenant.slug.rawValue.contains(query) || tenant.name.lowercased().contains(query)
                    || (hostsByTenant[tenant.id] ?? []).contains { $0.hostname.contains(query) }
            }
        }
        tenants.sort { first, second in
            let (a, b) = descending ? (second, first) : (first, second)
            let (ha, hb) = (healthByID[a.id], healthByID[b.id])
            switch sort {
            case .slug: return a.slug.rawValue < b.slug.rawValue
            case .name: return (a.name.lowercased(), a.slug.rawValue) < (b.name.lowercased(), b.slug.rawValue)
            case .status: return (Self.status(a), a.slug.rawValue) < (Self.status(b), b.slug.rawValue)
            case .customers: return (ha?.customers ?? -1, a.slug.rawValue) < (hb?.customers ?? -1, b.slug.rawValue)
            case .services:
                return (ha?.activeServices ?? -1, a.slug.rawValue) < (hb?.activeServices ?? -1, b.slug.rawValue)
            case .failed: return (ha?.failedJobs ?? -1, a.slug.rawValue) < (hb?.failedJobs ?? -1, b.slug.rawValue)
            case .activity:
                return (ha?.lastActivity ?? .distantPast, a.slug.rawValue) < (
                    hb?.lastActivity ?? .distantPast, b.slug.rawValue
                )
            case .size: return (ha?.databaseBytes ?? -1, a.slug.rawValue) < (hb?.databaseBytes ?? -1, b.slug.rawValue)
            case .created: return (a.createdAt, a.slug.rawValue) < (b.createdAt, b.slug.rawValue)
            }
        }
        let total = tenants.count
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        let page = min(PageNumber.parse(parameters.get("page")), pages)
        let shown = tenants.dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize)
        let rows = shown.map { tenant in
            let health = healthByID[tenant.id]
            return ListPage.Row(
                slug: tenant.slug.rawValue, name: tenant.name, status: Self.status(tenant),
                needsAttention: !tenant.isServing,
                primaryHost: snapshot.primaryHost(of: tenant.id) ?? "",
                customers: health.map { String($0.customers) } ?? "–",
                services: health.map { String($0.activeServices) } ?? "–",
                failed: health.map { String($0.failedJobs) } ?? "–", hasFailed: (health?.failedJobs ?? 0) > 0,
                lastActivity: health?.lastActivity.map(PageDates.format) ?? "never",
                size: health.map { FileSize.text($0.databaseBytes) } ?? "–"
            )
        }
        func link(sort: SortKey, descending: Bool, page: Int = 1) -> String {
            var items = [("sort", sort.rawValue)]
            if descending { items.append(("dir", "desc")) }
            if !query.isEmpty { items.append(("q", query)) }
            if page > 1 { items.append(("page", String(page))) }
            return "/?"
                + items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&")
        }
        let labels: [(SortKey, String, Bool)] = [
            (.slug, "Slug", false), (.name, "Name", false), (.status, "Status", false), (.customers, "Customers", true),
            (.services, "Active services", true), (.failed, "Failed jobs", true), (.activity, "Last activity", false),
            (.size, "Database", true),
        ]
        let columns = labels.map { key, label, numeric in
            ListPage.Column(
                key: key.rawValue, label: label, link: link(sort: key, descending: key == sort ? !descending : false),
                ariaSort: key == sort ? (descending ? "descending" : "ascending") : "none", numeric: numeric
            )
        }
        let oldest = healthByID.values.map(\.checkedAt).min()
        let model = ListPage(
            chrome: context.chrome, csrf: context.csrfToken, name: context.account.name, query: query, rows: rows,
            columns: columns, isEmpty: rows.isEmpty, hasTenants: snapshot.tenantCount > 0,
            summary: total == 0
                ? ""
                : "\((page - 1) * Self.pageSize + 1)–\((page - 1) * Self.pageSize + rows.count) of \(total) tenant\(total == 1 ? "" : "s")",
            previous: page > 1 ? link(sort: sort, descending: descending, page: page - 1) : nil,
            next: page < pages ? link(sort: sort, descending: descending, page: page + 1) : nil,
            measuredNote: oldest.map {
                "Health measured every few minutes; the oldest figure is from \(PageDates.format($0))."
            }
                ?? "Health is being measured; figures appear within a few minutes."
        )
        return try flows.page(model, "platform/home")
    }

    static func status(_ tenant: Tenant) -> String {
        tenant.maintenanceSince != nil ? "maintenance" : tenant.status.rawValue
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
                name: $0.lastPathComponent, link: "/tenants/\(slug)/exports/\($0.lastPathComponent)",
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
        var request = request
        let form = try await FormData.parse(&request)
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
        return flows.redirect(to: "/tenants/\(tenant.slug)?done=suspended")
    }

    @Sendable func resume(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        _ = try await BlockingIO.run { [platform] in try platform.setStatus(.active, slug: tenant.slug) }
        try await registry.reload()
        let hosting = await hostingSuspension.unsuspend(tenant: tenant)
        try await auditAction(context, "tenant.resumed", tenant, detail: hosting.isEmpty ? "" : "hosting: \(hosting)")
        return flows.redirect(to: "/tenants/\(tenant.slug)?done=resumed")
    }

    @Sendable func refreshHealth(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        await health.collect(tenant)
        try await auditAction(context, "tenant.health_measured", tenant, detail: "")
        return flows.redirect(to: "/tenants/\(tenant.slug)?done=measured")
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
        guard let manifest else { return flows.redirect(to: "/tenants/\(tenant.slug)?done=exported") }
        // Keep the three newest exports of a tenant.
        for old in exports(of: tenant.slug).dropFirst(3) { try? FileManager.default.removeItem(at: old) }
        try await auditAction(
            context, "tenant.exported", tenant, detail: "\(file.lastPathComponent), \(manifest.files.count) files")
        return flows.redirect(to: "/tenants/\(tenant.slug)?done=exported")
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
        return flows.redirect(to: "/tenants/\(tenant.slug)?done=backed-up")
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
