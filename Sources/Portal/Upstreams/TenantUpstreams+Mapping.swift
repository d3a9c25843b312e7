import Foundation
import Integrations
import Tenancy

/// The contact details WHMCS requires of every client (CONTRACTS.md §1.5, AddClient).
package struct BillingProfile: Sendable, Equatable {
    package var firstName: String
    package var lastName: String
    package var companyName = ""
    package var address1: String
    package var city: String
    package var state: String
    package var postcode: String
    /// ISO 3166-1 alpha-2.
    package var country: String
    package var phoneNumber: String

    package init(
        firstName: String, lastName: String, address1: String, city: String, state: String, postcode: String,
        country: String, phoneNumber: String
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.address1 = address1
        self.city = city
        self.state = state
        self.postcode = postcode
        self.country = country
        self.phoneNumber = phoneNumber
    }
}

/// Why a customer could not be mapped onto the tenant's upstream accounts.
package enum UpstreamMappingError: Error, Equatable, CustomStringConvertible {
    case notACustomer
    /// WHMCS already has a client with this email in another group (another brand); it is never adopted.
    case emailInUseElsewhere
    case invalidDomain(String)
    case invalidPlan(String)

    package var description: String {
        switch self {
        case .notACustomer: "only customers have billing and hosting accounts"
        case .emailInUseElsewhere: "this email address already belongs to a billing account of another brand"
        case .invalidDomain(let domain): "\"\(domain)\" is not a valid domain name"
        case .invalidPlan(let plan): "\"\(plan)\" is not one of this brand's hosting packages"
        }
    }
}

extension TenantUpstreams {
    /// The customer's WHMCS client, created on first need in the tenant's group, its id stored. A lost answer or
    /// a concurrent first use finds the existing client by email, and adopts it only from the tenant's own group.
    package func billingClient(for account: Account, profile: BillingProfile, in tenant: Tenant) async throws -> BillingClientLink {
        guard account.kind == .customer else { throw UpstreamMappingError.notACustomer }
        return try await databases.withDatabase(for: tenant) { database in
            let store = database.upstreams
            if let link = try await store.billingClient(of: account.id) { return link }
            let (client, group) = try whmcs(for: tenant, settings: try await store.settings())
            var request = WHMCSNewClient(
                firstName: profile.firstName, lastName: profile.lastName, email: account.email, address1: profile.address1,
                city: profile.city, state: profile.state, postcode: profile.postcode, country: profile.country,
                phoneNumber: profile.phoneNumber, groupID: group
            )
            request.companyName = profile.companyName
            let clientID: Int
            do {
                clientID = try await client.addClient(request)
            } catch UpstreamError.apiError(_, _, let message) where message.lowercased().contains("already exists") {
                guard let existing = try await client.clientDetails(email: account.email), existing.groupID == group else {
                    throw UpstreamMappingError.emailInUseElsewhere
                }
                clientID = existing.id
            }
            return try await store.linkBillingClient(BillingClientLink(accountID: account.id, clientID: clientID, groupID: group))
        }
    }

    /// A cPanel account on WHM for the customer, owned by the tenant's reseller and given the brand's nameservers.
    package func createHostingAccount(
        for account: Account, domain: String, plan: String, in tenant: Tenant
    ) async throws -> HostingAccountRecord {
        guard account.kind == .customer else { throw UpstreamMappingError.notACustomer }
        guard let host = try? HostName.validateDomain(domain) else { throw UpstreamMappingError.invalidDomain(domain) }
        return try await databases.withDatabase(for: tenant) { database in
            let store = database.upstreams
            let whm = try whm(for: tenant, settings: try await store.settings())
            guard try await whm.packages().contains(where: { $0.name == plan }) else { throw UpstreamMappingError.invalidPlan(plan) }
            let nameservers = try await store.nameservers()
            if !nameservers.isEmpty { try await whm.setNameservers(nameservers) }
            var attempt = 0
            while true {
                attempt += 1
                let username = Self.username(for: host)
                do {
                    let created = try await whm.createAccount(
                        WHMNewAccount(username: username, domain: host, plan: plan, contactEmail: account.email)
                    )
                    return try await store.recordHostingAccount(
                        account: account.id, username: username, domain: host, plan: plan, reseller: whm.reseller,
                        nameservers: created.nameservers.isEmpty ? nameservers : created.nameservers
                    )
                } catch UpstreamError.apiError(_, _, let message) where attempt < 3 && message.contains("group for that username") {
                    continue  // the random name was taken on this server; draw another
                }
            }
        }
    }

    /// Up to eight letters of the domain and four random digits: `acmeexam4821`. cPanel names are at most 16
    /// characters, lower case, and may not start with a digit or "test".
    static func username(for domain: String) -> String {
        var letters = String(domain.lowercased().filter { $0.isASCII && $0.isLetter }.prefix(8))
        if letters.isEmpty || letters.hasPrefix("test") { letters = "u" + letters.prefix(7) }
        return letters + String(format: "%04d", Int.random(in: 0..<10_000))
    }
}
