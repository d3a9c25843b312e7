import Foundation
import Hummingbird
import Integrations
import Tenancy

/// The customer's registered domains: nameservers, DNS records, auto-renew and WHOIS privacy, through `DomainManager`.
/// Every domain is looked up with the signed-in account: another customer's name is a 404.
package struct CustomerDomainsController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let manager: DomainManager

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.domains.route, use: domains)
        group.get(AccountPaths.domain.route, use: domain)
        group.post(AccountPaths.domainNameservers.route, use: saveNameservers)
        group.post(AccountPaths.domainDns.route, use: addRecord)
        group.post(AccountPaths.domainDnsDelete.route, use: deleteRecord)
        group.post(AccountPaths.domainAutoRenew.route, use: setAutoRenew)
        group.post(AccountPaths.domainPrivacy.route, use: setPrivacy)
    }

    @Sendable func domains(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let list = try await manager.domains(of: context.account, in: context.tenant)
        let zone = try await databases.timeZone(of: context.tenant)
        return try flows.page(DomainsPage(list, zone: zone, context: context), "account/domains")
    }

    @Sendable func domain(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "nameservers":
                .success(tr("services.domain.nameservers_saved"))
            case "added": .success(tr("services.domain.record_added"))
            case "deleted": .success(tr("services.domain.record_deleted"))
            case "settings": .success(tr("services.domain.setting_saved"))
            default: nil
            }
        return try await page(context, try await owned(context), .init(notice: notice))
    }

    @Sendable func saveNameservers(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let domain = try await owned(context)
        let form = try await FormData.parse(request)
        let text = form["nameservers"]
        switch DomainManager.nameservers(from: text) {
        case .failure(let problem):
            return try await page(
                context, domain, .init(nameserverText: text, nameserverError: problem.message),
                status: .unprocessableContent)
        case .success(let names):
            return try await apply(.nameservers(names), domain, context, done: "nameservers") {
                .init(notice: .error($0), nameserverText: text)
            }
        }
    }

    @Sendable func addRecord(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let domain = try await owned(context)
        let form = try await FormData.parse(request)
        let input = DNSRecord.Input(
            kind: form["type"], host: form["host"], value: form["value"], priority: form["priority"],
            weight: form["weight"], port: form["port"], flags: form["flags"], tag: form["tag"]
        )
        switch DNSRecord.validate(input) {
        case .failure(let problems):
            return try await page(
                context, domain, .init(record: input, recordErrors: problems.fields), status: .unprocessableContent)
        case .success(let record):
            return try await apply(.addRecord(record), domain, context, done: "added") {
                .init(notice: .error($0), record: input)
            }
        }
    }

    @Sendable func deleteRecord(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let domain = try await owned(context)
        let form = try await FormData.parse(request)
        return try await apply(.deleteRecord(form["record"]), domain, context, done: "deleted") {
            .init(notice: .error($0))
        }
    }

    @Sendable func setAutoRenew(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        try await saveSetting(request, context, DomainManager.Change.autoRenew)
    }

    @Sendable func setPrivacy(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        try await saveSetting(request, context, DomainManager.Change.privacy)
    }

    /// An on/off setting of a domain; the form's `enabled` is 1 or 0.
    func saveSetting(
        _ request: Request, _ context: CustomerRequestContext, _ change: (Bool) -> DomainManager.Change
    ) async throws -> Response {
        let domain = try await owned(context)
        let form = try await FormData.parse(request)
        guard ["0", "1"].contains(form["enabled"]) else {
            return try await page(
                context, domain, .init(notice: .error(tr("services.domain.choose_on_off"))),
                status: .unprocessableContent)
        }
        return try await apply(change(form["enabled"] == "1"), domain, context, done: "settings") {
            .init(notice: .error($0))
        }
    }

    // MARK: Helpers

    func owned(_ context: CustomerRequestContext) async throws -> RegisteredDomain {
        try await manager.domain(named: context.parameters.get("name") ?? "", of: context.account, in: context.tenant)
    }

    /// Applies `change`; done goes back to the domain page with its notice, a refusal shows it again with `shown`.
    func apply(
        _ change: DomainManager.Change, _ domain: RegisteredDomain, _ context: CustomerRequestContext, done: String,
        refused shown: (String) -> DomainPage.State
    ) async throws -> Response {
        switch try await manager.apply(
            change, to: domain, by: context.account, in: context.tenant, ip: context.origin.clientAddress ?? "")
        {
        case .done: return flows.redirect(to: AccountPaths.domain.link(domain.name) + "?done=\(done)")
        case .refused(let message): return try await page(context, domain, shown(message), status: .badGateway)
        }
    }

    func page(
        _ context: CustomerRequestContext, _ domain: RegisteredDomain, _ state: DomainPage.State,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let records = await manager.records(of: domain, in: context.tenant)
        let zone = try await databases.timeZone(of: context.tenant)
        return try flows.page(
            DomainPage(domain, records: records, zone: zone, state: state, context: context), "account/domain",
            status: status)
    }
}
