import Foundation
import Hummingbird
import Integrations
import Tenancy

/// `/admin/integrations` (owner only): WHMCS and WHM credentials, client group and reseller, and a
/// "Test connection" button. The nameservers are part of the brand (`/admin/brand`).
package struct IntegrationsController: Sendable {
    let flows: AccountFlows
    let upstreams: TenantUpstreams
    let databases: TenantDatabases

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.integrations.route, use: show)
        group.post(AdminPaths.integrations.route, use: save)
        group.post(AdminPaths.integrationsTest.route, use: test)
    }

    private func page(_ context: StaffRequestContext) async throws -> IntegrationsPage {
        let settings = try await databases.withDatabase(for: context.tenant) { try await $0.upstreams.settings() }
        return IntegrationsPage(chrome: context.chrome, csrf: context.csrfToken, settings: settings)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        var page = try await page(context)
        if request.uri.queryParameters.get("done") == "saved" {
            page.notice = .success("Settings saved. Use “Test connection” to check them.")
        }
        return try flows.page(page, "admin/integrations")
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        var input = IntegrationSettingsInput()
        input.mode = form["mode"]
        input.whmcsURL = form["whmcs_url"]
        input.whmcsIdentifier = form["whmcs_identifier"]
        input.whmcsSecret = form["whmcs_secret"]
        input.whmcsAccessKey = form["whmcs_accesskey"]
        input.clearWHMCSAccessKey = form["clear_whmcs_accesskey"] == "on"
        input.whmcsGroup = form["whmcs_group"]
        input.whmURL = form["whm_url"]
        input.whmUser = form["whm_user"]
        input.whmReseller = form["whm_reseller"]
        input.twentyIURL = form["twentyi_url"]
        input.twentyIKey = form["twentyi_key"]
        input.sslStoreURL = form["sslstore_url"]
        input.sslStorePartner = form["sslstore_partner"]
        input.sslStoreToken = form["sslstore_token"]
        input.whmToken = form["whm_token"]
        let errors = try await upstreams.update(
            context.tenant, with: input, actor: context.staff, ip: context.origin.clientAddress ?? ""
        )
        guard errors.isEmpty else {
            var page = try await page(context)
            page.keep(input)
            page.show(errors)
            page.notice = .error("Nothing was saved: correct the fields marked below.")
            return try flows.page(page, "admin/integrations", status: .unprocessableContent)
        }
        return flows.redirect(to: AdminPaths.integrations.link() + "?done=saved")
    }

    @Sendable func test(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let checks = await upstreams.testConnections(context.tenant)
        var page = try await page(context)
        page.checks = checks.map { check in
            IntegrationsPage.Check(
                name: check.upstream.displayName, succeeded: check.succeeded,
                message: check.succeeded ? "Connected: it answered an authenticated call." : (check.failure ?? "failed")
            )
        }
        let configured = checks.filter(\.configured)
        page.notice =
            configured.isEmpty
            ? .error("Nothing to test yet: fill in WHMCS or WHM and save first.")
            : configured.allSatisfy(\.succeeded)
                ? .success("Every configured connection works.") : .error("A connection failed; see below.")
        return try flows.page(page, "admin/integrations")
    }
}
