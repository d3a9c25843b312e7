import Branding
import Foundation
import Integrations
import Tenancy

/// The provision step of cloud servers, domains and SSL certificates, and of renewals. Each reads what it stored
/// and what exists upstream first, so running it again after a crash or a lost answer repeats nothing.
extension OrderSteps {
    /// The cloud server, sized by the product's provider and size: 20i builds it with the mapped CPU, RAM and storage.
    func provisionCloudServer(_ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws
        -> Outcome
    {
        guard
            let entry = try await databases.withDatabase(
                for: tenant, { try await $0.catalogue.entry(id: order.productID) }),
            let provider = entry.product.cloudProvider, let size = entry.product.cloudSize
        else { throw OrderProblem("the product has no cloud provider and size") }
        let twentyI = try await upstreams.twentyI(for: tenant)
        let stackUser = try await stackUser(for: account, twentyI, tenant)
        // The label is this order's own: a server with it was made by an earlier run of this step that died before
        // recording it, so it is taken rather than built twice.
        let label = "\(tenant.slug)-\(order.number)"
        let id: String
        if let built = try await twentyI.cloudServers().first(where: { $0.name == label }) {
            id = built.id
        } else {
            id = try await twentyI.addCloudServer(provider: provider, size: size, label: label, stackUser: stackUser)
        }
        crashPoint(.provision)
        guard let built = try await twentyI.cloudServer(id: id) else {
            throw OrderProblem("20i has no cloud server \(id) just after making it")
        }
        let server = try await databases.withDatabase(for: tenant) { database in
            try await database.provisioned.record(
                CloudServer(
                    accountID: account.id, orderID: order.id, name: order.productName, provider: provider, size: size,
                    cpu: built.cpu,
                    ramGB: built.ramGB, storageGB: built.storageGB, upstreamID: id, status: built.status,
                    ipAddress: built.ipAddress,
                    hostname: built.hostname, now: now()
                )
            )
        }
        let mail = try await activationMail(
            order, account, tenant, path: AccountPaths.cloudServer.link(server.id!.rawValue), domain: built.hostname)
        try await refreshQuietly(account.id, tenant)
        try await finishWithMail(job, tenant, mail)
        return .finished
    }

    /// The customer's StackCP user, made once: reserve → ask 20i → record. Its email must be new to the 20i account
    /// before it is asked for (a user with that address may be another brand's customer, and is never taken over),
    /// so after a run that died between asking and recording, the user with that address is the one it made.
    func stackUser(for account: Account, _ twentyI: TwentyIClient, _ tenant: Tenant) async throws -> String {
        let (recorded, requested) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.provisioned.stackUser(of: account.id),
                try await database.provisioned.stackUserRequested(of: account.id)
            )
        }
        if let recorded { return recorded }
        let existing = try await twentyI.stackUsers().first { $0.email.lowercased() == account.email.lowercased() }
        if let existing {
            guard requested else {
                throw OrderProblem(
                    "the 20i account already has a StackCP user for \(account.email) that this brand did not make")
            }
            try await databases.withDatabase(for: tenant) {
                try await $0.provisioned.recordStackUser(existing.reference, for: account.id, now: now())
            }
            return existing.reference
        }
        try await databases.withDatabase(for: tenant) {
            try await $0.provisioned.requestStackUser(for: account.id, now: now())
        }
        let made = try await twentyI.addStackUser(email: account.email, name: account.name)
        crashPoint(.stackUser)
        try await databases.withDatabase(for: tenant) {
            try await $0.provisioned.recordStackUser(made, for: account.id, now: now())
        }
        return made
    }

    /// Registers (or transfers in) the order's domain at 20i with the brand's nameservers, unless it is already in the
    /// reseller's account (a lost answer); returns the recorded domain.
    @discardableResult
    func registerDomain(_ order: Order, _ account: Account, _ tenant: Tenant) async throws -> RegisteredDomain {
        let twentyI = try await upstreams.twentyI(for: tenant)
        let name = order.domain.lowercased()
        let (profile, brandNameservers) = try await databases.withDatabase(for: tenant) { database in
            (try await database.orders.profile(of: account.id), try await database.upstreams.nameservers())
        }
        guard let profile else { throw OrderProblem("the customer has no billing details for the domain's contact") }
        if let local = try await databases.withDatabase(for: tenant, { try await $0.provisioned.domain(named: name) }) {
            guard local.orderID == order.id else {
                throw OrderProblem(
                    "\(name) is already registered here (order of customer \(local.accountID.rawValue)); renew it instead"
                )
            }
            return local
        }
        var upstream = try await twentyI.domain(name)
        // In the 20i account already: this order's only if it sent the registration (a lost answer). Otherwise it is
        // another brand's on a shared account, or made outside the portal, and is never taken over.
        if upstream != nil, order.providerRequestedAt == nil {
            throw OrderProblem("\(name) is already in the 20i account but was not registered by this order")
        }
        if upstream == nil {
            if order.providerRequestedAt == nil {
                try await databases.withDatabase(for: tenant) {
                    try await $0.orders.update(order.id!) { $0.providerRequestedAt = now() }
                }
            }
            let contact = TwentyIClient.Contact(
                name: "\(profile.firstName) \(profile.lastName)", organisation: profile.company,
                address: profile.address1, city: profile.city,
                state: profile.state, postcode: profile.postcode, country: profile.country, telephone: profile.phone,
                email: account.email
            )
            let code = try order.transferCode.map { try upstreams.open($0, tenant, TenantUpstreams.transferCodeField) }
            if order.domainAction == .transfer, (code ?? "").isEmpty {
                throw OrderProblem("the transfer of \(name) has no authorisation (EPP) code")
            }
            try await twentyI.registerDomain(
                name, years: 1, contact: contact, nameservers: brandNameservers, privacy: false,
                transferCode: order.domainAction == .transfer ? (code ?? "") : nil
            )
            crashPoint(.provision)
            upstream = try await twentyI.domain(name)
        }
        let expires =
            upstream?.expires ?? Calendar(identifier: .gregorian).date(byAdding: .year, value: 1, to: now()) ?? now()
        let nameservers = upstream?.nameservers.isEmpty == false ? upstream!.nameservers : brandNameservers
        return try await databases.withDatabase(for: tenant) { database in
            try await database.provisioned.record(
                RegisteredDomain(
                    accountID: account.id, orderID: order.id, name: name, expiresAt: expires, nameservers: nameservers,
                    privacy: upstream?.privacy ?? false, now: now()
                )
            )
        }
    }

    func provisionDomain(_ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant) async throws -> Outcome
    {
        let domain = try await registerDomain(order, account, tenant)
        let mail = try await domainMail(order, account, tenant, domain)
        try await refreshQuietly(account.id, tenant)
        try await finishWithMail(job, tenant, mail)
        return .finished
    }

}
