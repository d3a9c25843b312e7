import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// The customer's domains (nameservers, DNS records, auto-renew, WHOIS privacy), certificates and cloud servers.
/// Every object is looked up with the signed-in account: another customer's id or name is a 404.
package struct ProvisionedController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    /// Reissues certificates and installs them once issued.
    let steps: OrderSteps
    let logger: Logger

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.domains.route, use: domains)
        group.get(AccountPaths.domain.route, use: domain)
        group.post(AccountPaths.domainNameservers.route, use: saveNameservers)
        group.post(AccountPaths.domainDns.route, use: addRecord)
        group.post(AccountPaths.domainDnsDelete.route, use: deleteRecord)
        group.post(AccountPaths.domainAutoRenew.route, use: setAutoRenew)
        group.post(AccountPaths.domainPrivacy.route, use: setPrivacy)
        group.get(AccountPaths.certificates.route, use: certificates)
        group.get(AccountPaths.certificate.route, use: certificate)
        group.get(AccountPaths.certificateDownload.route, use: download)
        group.post(AccountPaths.certificateReissue.route, use: reissue)
        group.get(AccountPaths.cloudServers.route, use: cloudServers)
        group.get(AccountPaths.cloudServer.route, use: cloudServer)
        group.post(AccountPaths.cloudServerControlPanel.route, use: controlPanel)
    }

    // MARK: Domains

    @Sendable func domains(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let list = try await databases.withDatabase(for: context.tenant) {
            try await $0.provisioned.domains(of: context.account.id)
        }
        let zone = try await zone(context)
        let rows = list.map {
            DomainsPage.Row(
                name: $0.name, status: $0.status.rawValue, expires: ReminderScheduler.long($0.expiresAt, zone),
                autoRenew: $0.autoRenew ? "On" : "Off")
        }
        return try flows.page(
            DomainsPage(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty),
            "account/domains")
    }

    func owned(_ context: CustomerRequestContext) async throws -> RegisteredDomain {
        let name = (context.parameters.get("name") ?? "").lowercased()
        guard
            let domain = try await databases.withDatabase(
                for: context.tenant, { try await $0.provisioned.domain(named: name, of: context.account.id) })
        else {
            throw PortalError.notFound
        }
        return domain
    }

    func domainPage(
        _ context: CustomerRequestContext, notice: Notice? = nil, nameserverText: String? = nil,
        nameserverError: String? = nil,
        record: DNSRecord.Input? = nil, recordErrors: [String: String] = [:]
    ) async throws -> DomainPage {
        let domain = try await owned(context)
        var records: [DomainPage.Record] = []
        var zoneError: String?
        do {
            records = try await upstreams.twentyI(for: context.tenant).dnsRecords(domain: domain.name).map {
                DomainPage.Record(id: $0.id, type: $0.type, host: $0.host, value: $0.value)
            }
        } catch {
            logger.warning(
                "DNS zone not read",
                metadata: ["tenant": "\(context.tenant.slug)", "error": "\(TenantUpstreams.describe(error))"])
            zoneError = "The DNS records cannot be read right now. Try again in a few minutes."
        }
        let input = record ?? DNSRecord.Input(kind: "A", host: "", value: "")
        return DomainPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, name: domain.name,
            status: domain.status.rawValue,
            expires: ReminderScheduler.long(domain.expiresAt, try await zone(context)), autoRenew: domain.autoRenew,
            privacy: domain.privacy,
            nameservers: nameserverText ?? domain.nameserverList.joined(separator: "\n"),
            nameserverError: nameserverError,
            records: records, hasRecords: !records.isEmpty, zoneError: zoneError,
            types: DNSRecord.Kind.allCases.map {
                .init(value: $0.rawValue, selected: $0.rawValue == input.kind.uppercased())
            },
            input: input, errors: recordErrors
        )
    }

    @Sendable func domain(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "nameservers":
                .success("The nameservers are saved. Changes can take up to 48 hours to reach everyone.")
            case "added": .success("The record is added.")
            case "deleted": .success("The record is deleted.")
            case "settings": .success("Your setting is saved.")
            default: nil
            }
        return try flows.page(try await domainPage(context, notice: notice), "account/domain")
    }

    @Sendable func saveNameservers(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let domain = try await owned(context)
        var request = request
        let form = try await FormData.parse(&request)
        let text = form["nameservers"]
        let names = text.split(whereSeparator: { $0.isNewline || $0 == "," || $0 == " " }).map {
            $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        var problem: String?
        if names.count < 2 || names.count > 13 {
            problem = "Enter between 2 and 13 nameservers, one per line."
        } else if let bad = names.first(where: { (try? HostName.validateDomain($0)) == nil }) {
            problem = "“\(bad)” is not a host name such as ns1.example.com."
        } else if Set(names).count != names.count {
            problem = "Each nameserver may appear once."
        }
        if let problem {
            return try flows.page(
                try await domainPage(context, nameserverText: text, nameserverError: problem), "account/domain",
                status: .unprocessableContent)
        }
        do {
            try await upstreams.twentyI(for: context.tenant).setNameservers(
                domain: domain.name, to: names, replacing: domain.nameserverList)
        } catch {
            return try flows.page(
                try await domainPage(
                    context, notice: .error(Self.refusal(error, "The nameservers could not be changed")),
                    nameserverText: text),
                "account/domain", status: .badGateway
            )
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.provisioned.updateDomain(domain.id!, now: flows.services.now()) {
                $0.nameservers = names.joined(separator: "\n")
            }
            try await database.accounts.audit(
                "domain.nameservers", actor: context.account, target: domain.name,
                detail: names.joined(separator: ", "), ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: AccountPaths.domain.link(domain.name) + "?done=nameservers")
    }

    @Sendable func addRecord(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let domain = try await owned(context)
        var request = request
        let form = try await FormData.parse(&request)
        let input = DNSRecord.Input(
            kind: form["type"], host: form["host"], value: form["value"], priority: form["priority"],
            weight: form["weight"], port: form["port"],
            flags: form["flags"], tag: form["tag"]
        )
        let record: DNSRecord
        switch DNSRecord.validate(input) {
        case .success(let valid): record = valid
        case .failure(let problems):
            return try flows.page(
                try await domainPage(context, record: input, recordErrors: problems.fields), "account/domain",
                status: .unprocessableContent)
        }
        do {
            try await upstreams.twentyI(for: context.tenant).updateDNS(domain: domain.name, add: [record], delete: [])
        } catch {
            return try flows.page(
                try await domainPage(
                    context, notice: .error(Self.refusal(error, "The record could not be added")), record: input),
                "account/domain", status: .badGateway
            )
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                "domain.dns_added", actor: context.account, target: domain.name,
                detail: "\(record.kind.rawValue) \(record.host) \(record.value)",
                ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: AccountPaths.domain.link(domain.name) + "?done=added")
    }

    @Sendable func deleteRecord(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let domain = try await owned(context)
        var request = request
        let form = try await FormData.parse(&request)
        let id = form["record"]
        let client = try await upstreams.twentyI(for: context.tenant)
        do {
            // Only a record of this zone: an id from elsewhere is not sent on.
            guard try await client.dnsRecords(domain: domain.name).contains(where: { $0.id == id }) else {
                throw PortalError.notFound
            }
            try await client.updateDNS(domain: domain.name, add: [], delete: [id])
        } catch let error as PortalError {
            throw error
        } catch {
            return try flows.page(
                try await domainPage(context, notice: .error(Self.refusal(error, "The record could not be deleted"))),
                "account/domain", status: .badGateway)
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                "domain.dns_deleted", actor: context.account, target: domain.name, detail: "record \(id)",
                ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: AccountPaths.domain.link(domain.name) + "?done=deleted")
    }

    @Sendable func setAutoRenew(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        try await saveSetting(request, context, audit: "domain.auto_renew") { _, _ in
        } store: {
            $0.autoRenew = $1
        }
    }

    @Sendable func setPrivacy(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        try await saveSetting(request, context, audit: "domain.privacy", refusal: "WHOIS privacy could not be changed")
        { domain, on in
            try await upstreams.twentyI(for: context.tenant).setPrivacy(domain: domain.name, enabled: on)
        } store: {
            $0.privacy = $1
        }
    }

    /// An on/off setting of a domain (`enabled` is 1 or 0): sent upstream first when it lives there, then stored and audited.
    func saveSetting(
        _ request: Request, _ context: CustomerRequestContext, audit: String, refusal: String = "",
        upstream: (RegisteredDomain, Bool) async throws -> Void,
        store: @escaping @Sendable (inout RegisteredDomain, Bool) -> Void
    ) async throws -> Response {
        let domain = try await owned(context)
        var request = request
        let form = try await FormData.parse(&request)
        guard ["0", "1"].contains(form["enabled"]) else {
            return try flows.page(
                try await domainPage(context, notice: .error("Choose on or off; nothing was changed.")),
                "account/domain", status: .unprocessableContent)
        }
        let on = form["enabled"] == "1"
        do {
            try await upstream(domain, on)
        } catch {
            return try flows.page(
                try await domainPage(context, notice: .error(Self.refusal(error, refusal))), "account/domain",
                status: .badGateway)
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.provisioned.updateDomain(domain.id!, now: flows.services.now()) { store(&$0, on) }
            try await database.accounts.audit(
                audit, actor: context.account, target: domain.name, detail: on ? "on" : "off",
                ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: AccountPaths.domain.link(domain.name) + "?done=settings")
    }

    // MARK: Helpers

    /// The tenant's time zone, in which its pages show dates.
    func zone(_ context: CustomerRequestContext) async throws -> TimeZone {
        try await databases.withDatabase(for: context.tenant) {
            try await TenantMailSettings.load(from: $0.accounts).zone
        }
    }

    static func label(_ status: SSLCertificate.Status) -> String {
        switch status {
        case .pendingValidation: "Waiting for domain validation"
        case .issued: "Issued"
        case .renewed: "Replaced by its renewal"
        case .expired: "Expired"
        }
    }

    /// What a customer sees when the registrar refuses: its reason when it gave one, never credentials or addresses.
    static func refusal(_ error: any Error, _ lead: String) -> String {
        if case UpstreamError.apiError(_, _, let message) = error { return "\(lead): \(message)." }
        return "\(lead) right now. Please try again in a few minutes."
    }
}
