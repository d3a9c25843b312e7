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
    let operations: TenantOperations
    /// Every brand's health and backups (in a cluster, as each brand's node reported them).
    let reports: TenantReports
    /// Passes requests about a brand held by another node to that node.
    let forwarder: ConsoleForwarder

    package static let pageSize = 50

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

    func page(_ tenant: Tenant, _ context: PlatformUserContext, notice: Notice? = nil) async throws
        -> ConsoleTenantPage
    {
        var page = ConsoleTenantPage(
            tenant, try await operations.overview(of: tenant), notice: notice, context: context)
        page.node = registry.node
        return page
    }

    func lookup(_ context: PlatformUserContext) throws -> Tenant {
        try operations.tenant(context.parameters.get("slug") ?? "")
    }

    @Sendable func tenant(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        if let answer = try await forwarder.forward(request, about: tenant, context: context) { return answer }
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
        return try flows.page(try await page(tenant, context, notice: notice), "platform/tenant")
    }

    @Sendable func suspend(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        if let answer = try await forwarder.forward(request, about: tenant, context: context) { return answer }
        let form = try await FormData.parse(request)
        let reason = form.trimmed("reason")
        guard !reason.isEmpty, reason.count <= 500 else {
            var page = try await page(tenant, context, notice: .error("The brand was not suspended."))
            page.reasonInput = reason
            page.reasonError = "Say why in at most 500 characters: the brand's staff read this when they sign in."
            return try flows.page(page, "platform/tenant", status: .unprocessableContent)
        }
        try await operations.suspend(
            tenant, reason: reason, hosting: form["suspend_hosting"] == "on", by: context.account, ip: ip(context))
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=suspended")
    }

    @Sendable func resume(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        if let answer = try await forwarder.forward(request, about: tenant, context: context) { return answer }
        try await operations.resume(tenant, by: context.account, ip: ip(context))
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=resumed")
    }

    @Sendable func refreshHealth(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        if let answer = try await forwarder.forward(request, about: tenant, context: context) { return answer }
        try await operations.measureHealth(tenant, by: context.account, ip: ip(context))
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=measured")
    }

    @Sendable func export(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        if let answer = try await forwarder.forward(request, about: tenant, context: context) { return answer }
        try await operations.export(tenant, by: context.account, ip: ip(context))
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=exported")
    }

    @Sendable func download(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        if let answer = try await forwarder.forward(request, about: tenant, context: context) { return answer }
        let file = try await operations.exportFile(
            context.parameters.get("file") ?? "", of: tenant, by: context.account, ip: ip(context))
        let body = try await FileIO().loadFile(path: file.path, context: context)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/gzip",
                .contentDisposition: "attachment; filename=\"\(file.lastPathComponent)\"", .cacheControl: "no-store",
            ],
            body: body
        )
    }

    @Sendable func backUp(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let tenant = try lookup(context)
        if let answer = try await forwarder.forward(request, about: tenant, context: context) { return answer }
        try await operations.backUp(tenant, by: context.account, ip: ip(context))
        return flows.redirect(to: ConsolePaths.tenant.link(tenant.slug) + "?done=backed-up")
    }

    private func ip(_ context: PlatformUserContext) -> String { context.origin.clientAddress ?? "" }

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
