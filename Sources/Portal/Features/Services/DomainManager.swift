import Foundation
import Integrations
import Logging
import Tenancy

/// The registrar calls a customer's domain settings need; `TwentyIClient` is the live one, tests use an in-memory one.
package protocol DomainRegistrar: Sendable {
    func dnsRecords(domain: String) async throws -> [TwentyIClient.ZoneRecord]
    func setNameservers(domain: String, to nameservers: [String], replacing old: [String]) async throws
    func updateDNS(domain: String, add: [DNSRecord], delete: [String]) async throws
    func setPrivacy(domain: String, enabled: Bool) async throws
}

extension TwentyIClient: DomainRegistrar {}

/// A customer's registered domains: nameservers, DNS records, auto-renew and WHOIS privacy.
///
/// Every change is sent to the registrar first; only what it accepted is stored and audited, so a refusal leaves
/// the brand's database as it was.
package struct DomainManager: Sendable {
    /// A change the customer asked for, already validated.
    package enum Change: Sendable, Equatable {
        case nameservers([String])
        case addRecord(DNSRecord)
        /// A record of this domain's zone, by the registrar's id.
        case deleteRecord(String)
        case autoRenew(Bool)
        case privacy(Bool)
    }

    package enum Outcome: Sendable, Equatable {
        case done
        /// The registrar refused or could not be reached; the sentence the customer sees.
        case refused(String)
    }

    let databases: TenantDatabases
    let registrar: @Sendable (Tenant) async throws -> any DomainRegistrar
    let now: @Sendable () -> Date
    let logger: Logger

    package func domains(of account: Account, in tenant: Tenant) async throws -> [RegisteredDomain] {
        try await databases.withDatabase(for: tenant) { try await $0.provisioned.domains(of: account.id) }
    }

    /// The account's domain of that name; another customer's name is a 404.
    package func domain(named name: String, of account: Account, in tenant: Tenant) async throws -> RegisteredDomain {
        guard
            let domain = try await databases.withDatabase(
                for: tenant, { try await $0.provisioned.domain(named: name.lowercased(), of: account.id) })
        else { throw PortalError.notFound }
        return domain
    }

    /// The domain's zone as the registrar holds it; nil (and a log line) when it cannot be read now.
    package func records(of domain: RegisteredDomain, in tenant: Tenant) async -> [TwentyIClient.ZoneRecord]? {
        do {
            return try await registrar(tenant).dnsRecords(domain: domain.name)
        } catch {
            logger.warning(
                "DNS zone not read",
                metadata: ["tenant": "\(tenant.slug)", "error": "\(TenantUpstreams.describe(error))"])
            return nil
        }
    }

    /// Sends `change` to the registrar (when it lives there), then stores and audits it.
    package func apply(
        _ change: Change, to domain: RegisteredDomain, by account: Account, in tenant: Tenant, ip: String
    ) async throws -> Outcome {
        do {
            try await send(change, for: domain, in: tenant)
        } catch let error as PortalError {
            throw error
        } catch {
            return .refused(TenantUpstreams.refusal(error, Self.lead(change)))
        }
        let (action, detail) = Self.audit(change)
        try await databases.withDatabase(for: tenant) { database in
            switch change {
            case .nameservers(let names):
                try await database.provisioned.updateDomain(domain.id!, now: now()) {
                    $0.nameservers = names.joined(separator: "\n")
                }
            case .autoRenew(let on):
                try await database.provisioned.updateDomain(domain.id!, now: now()) { $0.autoRenew = on }
            case .privacy(let on):
                try await database.provisioned.updateDomain(domain.id!, now: now()) { $0.privacy = on }
            case .addRecord, .deleteRecord:
                break
            }
            try await database.accounts.audit(action, actor: account, target: domain.name, detail: detail, ip: ip)
        }
        return .done
    }

    private func send(_ change: Change, for domain: RegisteredDomain, in tenant: Tenant) async throws {
        switch change {
        case .nameservers(let names):
            try await registrar(tenant).setNameservers(
                domain: domain.name, to: names, replacing: domain.nameserverList)
        case .addRecord(let record):
            try await registrar(tenant).updateDNS(domain: domain.name, add: [record], delete: [])
        case .deleteRecord(let id):
            let registrar = try await registrar(tenant)
            // Only a record of this zone: an id from elsewhere is not sent on.
            guard try await registrar.dnsRecords(domain: domain.name).contains(where: { $0.id == id }) else {
                throw PortalError.notFound
            }
            try await registrar.updateDNS(domain: domain.name, add: [], delete: [id])
        case .autoRenew:
            break  // The portal renews through the pipeline; nothing to tell the registrar.
        case .privacy(let on):
            try await registrar(tenant).setPrivacy(domain: domain.name, enabled: on)
        }
    }

    private static func lead(_ change: Change) -> String {
        switch change {
        case .nameservers: tr("services.domain.nameservers_failed")
        case .addRecord: tr("services.domain.add_failed")
        case .deleteRecord: tr("services.domain.delete_failed")
        case .autoRenew: tr("services.domain.auto_renew_failed")
        case .privacy: tr("services.domain.privacy_failed")
        }
    }

    private static func audit(_ change: Change) -> (String, String) {
        switch change {
        case .nameservers(let names): ("domain.nameservers", names.joined(separator: ", "))
        case .addRecord(let record): ("domain.dns_added", "\(record.kind.rawValue) \(record.host) \(record.value)")
        case .deleteRecord(let id): ("domain.dns_deleted", "record \(id)")
        case .autoRenew(let on): ("domain.auto_renew", on ? "on" : "off")
        case .privacy(let on): ("domain.privacy", on ? "on" : "off")
        }
    }

    /// The nameservers typed one per line (commas and spaces also separate): 2 to 13 distinct host names.
    package static func nameservers(from text: String) -> Result<[String], NameserverProblem> {
        let names = text.split(whereSeparator: { $0.isNewline || $0 == "," || $0 == " " }).map {
            $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        if names.count < 2 || names.count > 13 {
            return .failure(.init(message: tr("services.domain.nameservers_count")))
        }
        if let bad = names.first(where: { (try? HostName.validateDomain($0)) == nil }) {
            return .failure(.init(message: tr("services.domain.nameserver_invalid", ["name": bad])))
        }
        if Set(names).count != names.count {
            return .failure(.init(message: tr("services.domain.nameserver_repeated")))
        }
        return .success(names)
    }

    package struct NameserverProblem: Error, Equatable {
        package let message: String
    }
}
