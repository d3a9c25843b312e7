import Foundation
import Tenancy

/// Looks up TXT records; `DNSLookup` (the configured resolver) is the live one, tests use an in-memory one.
package protocol TXTLookup: Sendable {
    func txtRecords(at name: String) async throws -> [String]
}

extension DNSLookup: TXTLookup {
    package func txtRecords(at name: String) async throws -> [String] { try await records(.txt, at: name) }
}

/// A brand's addresses: its platform address and custom domains, added pending, verified by a TXT proof, made
/// primary or removed by the owner. Each change is audited and reaches routing at once.
package struct BrandAddresses: Sendable {
    package enum Outcome: Sendable, Equatable {
        case done
        /// Refused as asked, with the reason for the owner.
        case refused(String)
    }

    package enum Verified: Sendable, Equatable {
        case verified
        /// The proof is not there (yet): where it was looked for, what was expected and what was found.
        case notYet(name: String, expected: String, found: [String])
        /// The resolver did not answer.
        case lookupFailed(String)
        /// Removed by someone else meanwhile: nothing to activate.
        case gone
    }

    static let txtPrefix = "_portal-verify."

    let domains: CustomDomains
    let registry: TenantRegistry
    let databases: TenantDatabases
    let dns: any TXTLookup

    package func all(of tenant: Tenant) async throws -> [TenantDomain] {
        try await BlockingIO.run { [domains] in try domains.all(of: tenant.id) }
    }

    /// The tenant's domain `host`; another tenant's is a plain 404.
    package func domain(_ host: String, of tenant: Tenant) async throws -> TenantDomain {
        do {
            return try await BlockingIO.run { [domains] in try domains.domain(host, of: tenant.id) }
        } catch is CustomDomains.DomainError {
            throw PortalError.notFound
        }
    }

    /// Adds `raw` as a pending custom domain with a fresh verification token.
    package func add(_ raw: String, by owner: Account, to tenant: Tenant, ip: String) async throws -> Outcome {
        let token = SecureToken.generate()
        return try await change("domain.added", by: owner, of: tenant, ip: ip) { [domains] in
            try await domains.add(raw, to: tenant.id, token: token).hostname
        }
    }

    /// Activates a pending domain once its TXT proof is published; an active one stays as it is.
    package func verify(_ domain: TenantDomain, by owner: Account, of tenant: Tenant, ip: String) async throws
        -> Verified
    {
        guard domain.status == .pending else { return .verified }
        let name = Self.txtPrefix + domain.hostname
        let expected = "portal-verify=\(domain.verificationToken ?? "")"
        let found: [String]
        do {
            found = try await dns.txtRecords(at: name)
        } catch {
            return .lookupFailed("\(error)")
        }
        guard found.contains(expected) else { return .notYet(name: name, expected: expected, found: found) }
        let outcome = try await change("domain.verified", by: owner, of: tenant, ip: ip) { [domains] in
            try await domains.activate(domain.hostname, of: tenant.id).hostname
        }
        return outcome == .done ? .verified : .gone
    }

    package func makePrimary(_ domain: TenantDomain, by owner: Account, of tenant: Tenant, ip: String) async throws
        -> Outcome
    {
        try await change("domain.made_primary", by: owner, of: tenant, ip: ip) { [domains] in
            try await domains.makePrimary(domain.hostname, of: tenant.id)
            return domain.hostname
        }
    }

    package func remove(_ domain: TenantDomain, by owner: Account, of tenant: Tenant, ip: String) async throws
        -> Outcome
    {
        try await change("domain.removed", by: owner, of: tenant, ip: ip) { [domains] in
            try await domains.remove(domain.hostname, of: tenant.id).hostname
        }
    }

    /// Runs a registry change; on success audits it (`action` on the host it returns) and reloads routing.
    private func change(
        _ action: String, by owner: Account, of tenant: Tenant, ip: String,
        _ body: @escaping @Sendable () async throws -> String
    ) async throws -> Outcome {
        let host: String
        do {
            host = try await body()
        } catch let error as CustomDomains.DomainError {
            return .refused(error.description)
        }
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(action, actor: owner, target: host, ip: ip)
        }
        try await registry.reload()
        return .done
    }
}
