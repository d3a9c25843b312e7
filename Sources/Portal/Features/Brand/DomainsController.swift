import Foundation
import Hummingbird
import Tenancy

/// `/admin/domains`: the brand's addresses. The owner adds a custom domain (pending), publishes the DNS records the
/// page shows, and "Verify" looks for the TXT proof through the configured resolver before the domain routes.
package struct DomainsController: Sendable {
    let flows: AccountFlows
    let domains: CustomDomains
    let registry: TenantRegistry
    let databases: TenantDatabases
    let dns: DNSLookup
    let edge: Edge

    /// Where custom domains must point: a host for CNAME records and, when known, addresses for A/AAAA records.
    package struct Edge: Sendable {
        package var host: String
        package var ipv4: String?
        package var ipv6: String?
    }

    package struct Page: Sendable {
        package struct Row: Sendable {
            package let hostname: String
            package let kind: String
            package let isCustom: Bool
            package let isPrimary: Bool
            package let isPending: Bool
            package let canMakePrimary: Bool
            package let canRemove: Bool
            package let txtName: String
            package let txtValue: String
            package var error: String?
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package var rows: [Row]
        package let canManage: Bool
        package let edgeHost: String
        package let edgeIPv4: String?
        package let edgeIPv6: String?
        package var hostname = ""
        package var hostnameError: String?
    }

    static let txtPrefix = "_portal-verify."

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.domains.route, use: show)
        group.post(AdminPaths.domains.route, use: add)
        group.post(AdminPaths.domainVerify.route, use: verify)
        group.post(AdminPaths.domainPrimary.route, use: makePrimary)
        group.post(AdminPaths.domainRemove.route, use: remove)
    }

    private func page(
        _ context: StaffRequestContext, notice: Notice? = nil, rowError: (host: String, text: String)? = nil
    ) async throws -> Page {
        let list = try await BlockingIO.run { [domains, tenant = context.tenant] in try domains.all(of: tenant.id) }
        let canManage = context.role == .owner
        let activeCount = list.filter { $0.status == TenantDomain.Status.active }.count
        let rows = list.map { domain -> Page.Row in
            let isActive = domain.status == .active
            let isCustom = domain.kind == .custom
            let canRemove = canManage && isCustom && !domain.isPrimary && (!isActive || activeCount > 1)
            let error: String? = rowError?.host == domain.hostname ? rowError?.text : nil
            return Page.Row(
                hostname: domain.hostname, kind: isCustom ? "Your domain" : "Platform address", isCustom: isCustom,
                isPrimary: domain.isPrimary, isPending: !isActive,
                canMakePrimary: canManage && isActive && !domain.isPrimary,
                canRemove: canRemove, txtName: Self.txtPrefix + domain.hostname,
                txtValue: "portal-verify=" + (domain.verificationToken ?? ""), error: error
            )
        }
        return Page(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, rows: rows, canManage: canManage,
            edgeHost: edge.host, edgeIPv4: edge.ipv4, edgeIPv6: edge.ipv6
        )
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let done = request.uri.queryParameters.get("done")
        let notice: Notice? =
            switch done {
            case "added": .success("Domain added. Create the two DNS records below, then press Verify.")
            case "verified": .success("Verified: the domain now serves your site.")
            case "primary": .success("Primary domain changed: emails and links now use it.")
            case "removed": .success("Domain removed: it no longer serves your site.")
            default: nil
            }
        return try flows.page(try await page(context, notice: notice), "admin/domains")
    }

    @Sendable func add(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        let raw = form.trimmed("hostname")
        let token = SecureToken.generate()
        do {
            let domain = try await BlockingIO.run { [domains, tenant = context.tenant] in
                try domains.add(raw, to: tenant.id, token: token)
            }
            try await audit(context, "domain.added", target: domain.hostname)
            try await registry.reload()
            return flows.redirect(to: AdminPaths.domains.link() + "?done=added")
        } catch let error as CustomDomains.DomainError {
            var page = try await page(context, notice: .error("The domain was not added."))
            page.hostname = raw
            page.hostnameError = error.description
            return try flows.page(page, "admin/domains", status: .unprocessableContent)
        }
    }

    @Sendable func verify(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let domain = try await owned(context)
        guard domain.status == .pending else { return flows.redirect(to: AdminPaths.domains.link() + "?done=verified") }
        let name = Self.txtPrefix + domain.hostname
        let expected = "portal-verify=\(domain.verificationToken ?? "")"
        let found: [String]
        do {
            found = try await dns.records(.txt, at: name)
        } catch {
            let page = try await page(
                context, notice: .error("The DNS check could not be completed."),
                rowError: (domain.hostname, "The DNS check could not be completed (\(error)). Try again in a minute.")
            )
            return try flows.page(page, "admin/domains", status: .badGateway)
        }
        guard found.contains(expected) else {
            let seen =
                found.isEmpty ? "no TXT record there yet" : "found \(found.map { "“\($0)”" }.joined(separator: ", "))"
            let page = try await page(
                context, notice: .error("\(domain.hostname) is not verified yet."),
                rowError: (
                    domain.hostname,
                    "Looked for TXT “\(expected)” at \(name): \(seen). New DNS records can take a while to appear."
                )
            )
            return try flows.page(page, "admin/domains", status: .unprocessableContent)
        }
        do {
            _ = try await BlockingIO.run { [domains, tenant = context.tenant] in
                try domains.activate(domain.hostname, of: tenant.id)
            }
        } catch is CustomDomains.DomainError {
            // Removed by someone else meanwhile: the list shows what is there now.
            return flows.redirect(to: AdminPaths.domains.link())
        }
        try await audit(context, "domain.verified", target: domain.hostname)
        try await registry.reload()
        return flows.redirect(to: AdminPaths.domains.link() + "?done=verified")
    }

    @Sendable func makePrimary(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let domain = try await owned(context)
        do {
            try await BlockingIO.run { [domains, tenant = context.tenant] in
                try domains.makePrimary(domain.hostname, of: tenant.id)
            }
        } catch let error as CustomDomains.DomainError {
            let page = try await page(
                context, notice: .error(error.description), rowError: (domain.hostname, error.description))
            return try flows.page(page, "admin/domains", status: .unprocessableContent)
        }
        try await audit(context, "domain.made_primary", target: domain.hostname)
        try await registry.reload()
        return flows.redirect(to: AdminPaths.domains.link() + "?done=primary")
    }

    @Sendable func remove(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let domain = try await owned(context)
        do {
            _ = try await BlockingIO.run { [domains, tenant = context.tenant] in
                try domains.remove(domain.hostname, of: tenant.id)
            }
        } catch let error as CustomDomains.DomainError {
            let page = try await page(
                context, notice: .error(error.description), rowError: (domain.hostname, error.description))
            return try flows.page(page, "admin/domains", status: .unprocessableContent)
        }
        try await audit(context, "domain.removed", target: domain.hostname)
        try await registry.reload()
        return flows.redirect(to: AdminPaths.domains.link() + "?done=removed")
    }

    /// The domain named in the path, if it is this tenant's; another tenant's is a plain 404.
    private func owned(_ context: StaffRequestContext) async throws -> TenantDomain {
        guard let host = context.parameters.get("host") else { throw PortalError.notFound }
        do {
            return try await BlockingIO.run { [domains, tenant = context.tenant] in
                try domains.domain(host, of: tenant.id)
            }
        } catch is CustomDomains.DomainError {
            throw PortalError.notFound
        }
    }

    private func audit(_ context: StaffRequestContext, _ action: String, target: String) async throws {
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                action, actor: context.staff, target: target, ip: context.origin.clientAddress ?? "")
        }
    }
}
