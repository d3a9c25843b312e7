import Foundation
import Hummingbird
import Tenancy

/// `/admin/domains`: the brand's addresses. The owner adds a custom domain (pending), publishes the DNS records the
/// page shows, and "Verify" looks for the TXT proof before the domain routes; all through `BrandAddresses`.
package struct DomainsController: Sendable {
    let flows: AccountFlows
    let addresses: BrandAddresses
    let edge: Edge

    /// Where custom domains must point: a host for CNAME records and, when known, addresses for A/AAAA records.
    package struct Edge: Sendable {
        package var host: String
        package var ipv4: String?
        package var ipv6: String?
    }

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.domains.route, use: show)
        group.post(AdminPaths.domains.route, use: add)
        group.post(AdminPaths.domainVerify.route, use: verify)
        group.post(AdminPaths.domainPrimary.route, use: makePrimary)
        group.post(AdminPaths.domainRemove.route, use: remove)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
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
        let raw = try await FormData.parse(request).trimmed("hostname")
        switch try await addresses.add(raw, by: context.staff, to: context.tenant, ip: ip(context)) {
        case .done: return flows.redirect(to: AdminPaths.domains.link() + "?done=added")
        case .refused(let reason):
            var page = try await page(context, notice: .error("The domain was not added."))
            page.hostname = raw
            page.hostnameError = reason
            return try flows.page(page, "admin/domains", status: .unprocessableContent)
        }
    }

    @Sendable func verify(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let domain = try await owned(context)
        switch try await addresses.verify(domain, by: context.staff, of: context.tenant, ip: ip(context)) {
        case .verified:
            return flows.redirect(to: AdminPaths.domains.link() + "?done=verified")
        case .gone:
            return flows.redirect(to: AdminPaths.domains.link())
        case .lookupFailed(let reason):
            let page = try await page(
                context, notice: .error("The DNS check could not be completed."),
                rowError: (domain.hostname, "The DNS check could not be completed (\(reason)). Try again in a minute."))
            return try flows.page(page, "admin/domains", status: .badGateway)
        case .notYet(let name, let expected, let found):
            let seen =
                found.isEmpty ? "no TXT record there yet" : "found \(found.map { "“\($0)”" }.joined(separator: ", "))"
            let page = try await page(
                context, notice: .error("\(domain.hostname) is not verified yet."),
                rowError: (
                    domain.hostname,
                    "Looked for TXT “\(expected)” at \(name): \(seen). New DNS records can take a while to appear."
                ))
            return try flows.page(page, "admin/domains", status: .unprocessableContent)
        }
    }

    @Sendable func makePrimary(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let domain = try await owned(context)
        let outcome = try await addresses.makePrimary(domain, by: context.staff, of: context.tenant, ip: ip(context))
        return try await respond(outcome, domain, context, done: "primary")
    }

    @Sendable func remove(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let domain = try await owned(context)
        let outcome = try await addresses.remove(domain, by: context.staff, of: context.tenant, ip: ip(context))
        return try await respond(outcome, domain, context, done: "removed")
    }

    // MARK: Helpers

    private func respond(
        _ outcome: BrandAddresses.Outcome, _ domain: TenantDomain, _ context: StaffRequestContext, done: String
    ) async throws -> Response {
        switch outcome {
        case .done: return flows.redirect(to: AdminPaths.domains.link() + "?done=\(done)")
        case .refused(let reason):
            let page = try await page(context, notice: .error(reason), rowError: (domain.hostname, reason))
            return try flows.page(page, "admin/domains", status: .unprocessableContent)
        }
    }

    private func page(
        _ context: StaffRequestContext, notice: Notice? = nil, rowError: (host: String, text: String)? = nil
    ) async throws -> BrandDomainsPage {
        BrandDomainsPage(
            try await addresses.all(of: context.tenant), edge: edge, notice: notice, rowError: rowError,
            context: context)
    }

    private func owned(_ context: StaffRequestContext) async throws -> TenantDomain {
        guard let host = context.parameters.get("host") else { throw PortalError.notFound }
        return try await addresses.domain(host, of: context.tenant)
    }

    private func ip(_ context: StaffRequestContext) -> String { context.origin.clientAddress ?? "" }
}
