import Branding
import Foundation
import Integrations
import Tenancy

/// The contact details WHMCS requires of every client (CONTRACTS.md §1.5, AddClient).
package struct BillingProfile: Sendable, Equatable {
    package var firstName: String
    package var lastName: String
    package var companyName = ""
    package var taxID = ""
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
    /// Billing accounts are made only for confirmed addresses: an existing WHMCS client must never be handed to
    /// someone who merely typed its email.
    case emailNotVerified
    /// WHMCS already has a client with this email that the portal did not make for this account. The message is
    /// neutral on purpose: it must not reveal that the address is known to another brand.
    case emailUnavailable
    case invalidDomain(String)
    case invalidPlan(String)
    /// The customer already has a hosting account on this domain (from another order).
    case domainHasHosting(String)
    /// WHMCS has no currency with the brand's code, so the customer could not be billed in it.
    case currencyUnavailable(String)

    package var description: String {
        switch self {
        case .notACustomer: "only customers have billing and hosting accounts"
        case .emailNotVerified: "confirm your email address first"
        case .emailUnavailable: "this email address cannot be used for a billing account here; contact support"
        case .invalidDomain(let domain): "\"\(domain)\" is not a valid domain name"
        case .invalidPlan(let plan): "\"\(plan)\" is not one of this brand's hosting packages"
        case .domainHasHosting(let domain): "\(domain) already has a hosting account of this customer"
        case .currencyUnavailable(let code):
            "WHMCS has no \(code) currency; add it in WHMCS (Setup › Payments › Currencies)"
        }
    }
}

extension TenantUpstreams {
    /// The note the portal writes on every WHMCS client it creates; only a client carrying the note of this very
    /// account is ever adopted (after a lost answer or a concurrent first use).
    static func clientMarker(_ tenant: Tenant, _ account: Account) -> String {
        "Created by the portal for \(tenant.slug) account \(account.id.rawValue)"
    }

    /// The customer's WHMCS client, created on first need in the tenant's group, its id stored. No database is
    /// held open while WHMCS is called.
    package func billingClient(for account: Account, profile: BillingProfile, in tenant: Tenant) async throws
        -> BillingClientLink
    {
        guard account.kind == .customer else { throw UpstreamMappingError.notACustomer }
        guard account.emailVerifiedAt != nil else { throw UpstreamMappingError.emailNotVerified }
        let (existing, settings, currency) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.upstreams.billingClient(of: account.id), try await database.upstreams.settings(),
                try await database.storefront().brand.currency
            )
        }
        if let existing { return existing }
        let (client, group) = try whmcs(for: tenant, settings: settings)
        guard let currencyID = try await client.currencies().first(where: { $0.code == currency.uppercased() })?.id
        else {
            throw UpstreamMappingError.currencyUnavailable(currency.uppercased())
        }
        var request = WHMCSNewClient(
            firstName: profile.firstName, lastName: profile.lastName, email: account.email, address1: profile.address1,
            city: profile.city, state: profile.state, postcode: profile.postcode, country: profile.country,
            phoneNumber: profile.phoneNumber, groupID: group
        )
        request.companyName = profile.companyName
        request.taxID = profile.taxID
        request.currencyID = currencyID
        request.notes = Self.clientMarker(tenant, account)
        // WHMCS wants a client-area password; customers reach WHMCS only through single sign-on, so it is random.
        request.password = SecureToken.generate()
        let clientID: Int
        do {
            clientID = try await client.addClient(request)
        } catch UpstreamError.apiError(_, _, let message) where message.lowercased().contains("already exists") {
            guard let found = try await client.clientDetails(email: account.email), found.groupID == group,
                found.notes == request.notes
            else { throw UpstreamMappingError.emailUnavailable }
            clientID = found.id
        }
        return try await databases.withDatabase(for: tenant) { database in
            try await database.upstreams.linkBillingClient(
                BillingClientLink(accountID: account.id, clientID: clientID, groupID: group))
        }
    }

    /// A cPanel account on WHM for the customer, owned by the tenant's reseller and given the brand's nameservers.
    /// The user name (and the password, sealed) are stored as pending before createacct is sent, keyed by `order`, so
    /// a retry after a crash or a lost answer finds the same account instead of creating a second one. An account on
    /// the domain that WHMCS's own cPanel module made when the order was accepted is adopted, not duplicated.
    package func createHostingAccount(
        for account: Account, domain: String, plan: String, password: String? = nil, order: Int64? = nil,
        in tenant: Tenant
    ) async throws -> HostingAccountRecord {
        guard account.kind == .customer else { throw UpstreamMappingError.notACustomer }
        guard let host = try? HostName.validateDomain(domain) else { throw UpstreamMappingError.invalidDomain(domain) }
        let (settings, nameservers) = try await databases.withDatabase(for: tenant) { database in
            (try await database.upstreams.settings(), try await database.upstreams.nameservers())
        }
        let whm = try whm(for: tenant, settings: settings)
        let sealed = try password.map { try seal($0, tenant, "hosting.password") }
        let pending: HostingAccountRecord
        do {
            pending = try await databases.withDatabase(for: tenant) { database in
                try await database.upstreams.pendingHostingAccount(
                    account: account.id, domain: host, plan: plan, reseller: whm.reseller,
                    username: { Self.username(for: host) },
                    sealedPassword: sealed, order: order
                )
            }
        } catch HostingAccountConflict.domainTaken {
            throw UpstreamMappingError.domainHasHosting(host)
        }
        if !pending.isPending { return pending }
        let storedPassword = try pending.sealedPassword.map { try open($0, tenant, "hosting.password") }
        let created: WHMCreatedAccount
        do {
            if let existing = try await whm.account(username: pending.username), existing.domain.lowercased() == host {
                created = WHMCreatedAccount(ip: existing.ip, nameservers: nameservers, package: existing.plan)
            } else if let made = try await whm.accounts(search: host, searchType: "domain").first(where: {
                $0.domain.lowercased() == host
            }) {
                // WHMCS's cPanel module (AcceptOrder with autosetup) got there first: that account is the customer's.
                try await databases.withDatabase(for: tenant) {
                    try await $0.upstreams.renamePendingHostingAccount(pending.id, to: made.user)
                }
                created = WHMCreatedAccount(ip: made.ip, nameservers: nameservers, package: made.plan)
            } else {
                guard try await whm.packages().contains(where: { $0.name == plan }) else {
                    try await databases.withDatabase(for: tenant) {
                        try await $0.upstreams.discardPendingHostingAccount(pending.id)
                    }
                    throw UpstreamMappingError.invalidPlan(plan)
                }
                if !nameservers.isEmpty { try await whm.setNameservers(nameservers) }
                created = try await whm.createAccount(
                    WHMNewAccount(
                        username: pending.username, domain: host, plan: plan,
                        // No contact address: cPanel's own notices would reach the customer unbranded; the portal
                        // tells them itself.
                        contactEmail: "",
                        password: storedPassword
                    )
                )
            }
        } catch let error as UpstreamError {
            if case .apiError = error, try await whm.account(username: pending.username) == nil {
                try await databases.withDatabase(for: tenant) {
                    try await $0.upstreams.discardPendingHostingAccount(pending.id)
                }
            }
            throw error
        }
        return try await databases.withDatabase(for: tenant) { database in
            try await database.upstreams.activateHostingAccount(
                pending.id, nameservers: created.nameservers.isEmpty ? nameservers : created.nameservers
            )
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

extension TenantUpstreams {
    /// The customer's WHMCS client: the stored link, or one made now from their saved billing details (a customer
    /// who never ordered); nil when they have neither.
    package func billingClientOrProfile(for account: Account, in tenant: Tenant) async throws -> BillingClientLink? {
        let (link, profile) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.upstreams.billingClient(of: account.id),
                try await database.orders.profile(of: account.id)
            )
        }
        if let link { return link }
        guard let profile else { return nil }
        var billing = BillingProfile(
            firstName: profile.firstName, lastName: profile.lastName, address1: profile.address1, city: profile.city,
            state: profile.state, postcode: profile.postcode, country: profile.country, phoneNumber: profile.phone
        )
        billing.companyName = profile.company
        billing.taxID = profile.taxID
        return try await billingClient(for: account, profile: billing, in: tenant)
    }
}
