import Foundation
import GRDB
import Logging
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// A real `portal serve` killed with SIGKILL right after the vendor call of each kind of order (20i builds the cloud
/// server, registers or transfers the domain; TheSSLStore takes the certificate order), before the portal stores the
/// result, then started again: exactly one object at the vendor and one activation email.
@Suite("Cloud servers, domains and certificates across crashes")
struct ProvisioningCrashTests {
    enum Kind: String, CaseIterable, Sendable {
        case cloudServer = "cloud server"
        case domainRegistration = "domain registration"
        case domainTransfer = "domain transfer"
    }

    /// A shop with 20i and TheSSLStore connected and a customer with billing details; closed before `portal serve`.
    struct Shop {
        let folder: String
        let tenant: Tenant
        let account: Account
    }

    static func shop(_ sandbox: Sandbox, whmcsURL: String, whmURL: String, folder: String, email: String)
        async throws -> Shop
    {
        try await createTenants([.acme], in: folder)
        let dependencies = try await makeDependencies(dataPath: folder)
        try await Commerce.connect(
            "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL, cloudAndCertificates: true)
        try await ProvisioningTests.addProducts(dependencies)
        let tenant = try dependencies.registryTenant("acme")
        let account = try await makeAccount(dependencies, email: email)
        await dependencies.databases.closeAll()
        try dependencies.platform.close()
        return Shop(folder: folder, tenant: tenant, account: account)
    }

    /// Places an order for `slug` straight into the brand's database, as checkout does, and wakes the pipeline.
    static func place(
        _ shop: Shop, slug: String, number: String, cycle: Product.BillingCycle?, domain: String,
        action: Order.DomainAction?, transferCode: String? = nil
    ) async throws -> Order.ID {
        let dependencies = try await makeDependencies(dataPath: shop.folder)
        defer { try? dependencies.platform.close() }
        let sealed = try transferCode.map {
            try dependencies.upstreams.seal($0, shop.tenant, TenantUpstreams.transferCodeField)
        }
        let account = shop.account
        let id = try await dependencies.databases.withDatabase(for: shop.tenant) { database in
            let entry = try await database.catalogue.entry(slug: slug)!
            var order = Order(
                accountID: account.id, number: number, idempotencyKey: "provisioning-crash-\(number)", entry: entry,
                cycle: cycle, domain: domain, domainAction: action, currency: "GBP",
                priceMinor: entry.prices.first?.priceMinor ?? 0, setupMinor: 0, domainMinor: action == nil ? 0 : 1199,
                now: Date()
            )
            order.transferCode = sealed
            let profile = CustomerProfile(
                accountID: account.id, firstName: "Crash", lastName: "Test", address1: "1 Road", city: "Leeds",
                state: "Yorkshire", postcode: "LS1 1AA", country: "GB", phone: "+44 113 496 0000"
            )
            return try await database.orders.place(order, profile: profile, confirmation: nil, actor: account, ip: "")
                .order.id!
        }
        try await dependencies.orderQueue.willQueue(shop.tenant.id)
        await dependencies.databases.closeAll()
        return id
    }

    /// Runs `portal serve` until the order is active (or failed, or 90 s pass); returns its status and failure.
    static func serveUntilSettled(_ shop: Shop, _ order: Order.ID) async throws -> (Order.Status, String) {
        let server = try PipelineCrashTests.serve(shop.folder, crashAfter: nil)
        defer { if server.isRunning { server.terminate() } }
        let database = try TenantDatabase.open(
            path: DataDirectory(path: shop.folder).tenantDatabasePath(shop.tenant.slug), tenantID: shop.tenant.id)
        defer { try? database.close() }
        var status = Order.Status.awaitingPayment
        for _ in 0..<900 {
            status = try await database.orders.order(order)?.status ?? .cancelled
            if status == .active || status == .failed || status == .needsSetup { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let failure = try await database.orders.order(order)?.failure ?? ""
        server.terminate()
        _ = await server.exit(within: 20)
        return (status, failure)
    }

    /// Runs `portal serve` set to kill itself right after the provision step's vendor call (or another point); true
    /// when it did.
    static func crashAtVendorCall(_ shop: Shop, point: CrashPoint = .provision) async throws -> Bool {
        let server = try PipelineCrashTests.serve(shop.folder, crashAfter: point)
        guard await server.exit(within: 90) else {
            server.terminate()
            return false
        }
        return server.termination == .signalled(SIGKILL)
    }

    /// How many emails of `kind` the brand queued for the shop's customer.
    static func activationMails(_ shop: Shop, kind: String = "service_activated") async throws -> Int {
        let database = try TenantDatabase.open(
            path: DataDirectory(path: shop.folder).tenantDatabasePath(shop.tenant.slug), tenantID: shop.tenant.id)
        defer { try? database.close() }
        return try await database.pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM mail_outbox WHERE to_address = ? AND kind = ?",
                arguments: [shop.account.email, kind]) ?? 0
        }
    }

    @Test("SIGKILL after 20i's call, then a restart: one object at 20i, one activation email", arguments: Kind.allCases)
    func crashAfterTwentyI(kind: Kind) async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let folder = try TemporaryFolder()
            let shop = try await Self.shop(
                sandbox, whmcsURL: whmcsURL, whmURL: whmURL, folder: folder.path,
                email: "crash-\(kind.rawValue.replacingOccurrences(of: " ", with: "-"))@example.com")
            let number = "7100000\(Kind.allCases.firstIndex(of: kind)!)"
            let domain = kind == .cloudServer ? "" : "crash-\(kind == .domainTransfer ? "in" : "new").com"
            let order = try await Self.place(
                shop, slug: kind == .cloudServer ? "cloud-medium" : "domains", number: number,
                cycle: kind == .cloudServer ? .monthly : nil, domain: domain,
                action: kind == .cloudServer ? nil : (kind == .domainTransfer ? .transfer : .register),
                transferCode: kind == .domainTransfer ? "EPP-123-abc" : nil)

            #expect(try await Self.crashAtVendorCall(shop), "the process did not reach 20i")
            let (status, failure) = try await Self.serveUntilSettled(shop, order)
            #expect(status == .active, "\(kind.rawValue) after a crash: \(status) \(failure)")

            let atVendor = try await sandbox.store.read { db in
                kind == .cloudServer
                    ? try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM twentyi_cloud_servers WHERE name = ?",
                        arguments: ["acme-\(number)"]) ?? 0
                    : try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM twentyi_domains WHERE name = ?", arguments: [domain])
                        ?? 0
            }
            #expect(atVendor == 1, "\(kind.rawValue): \(atVendor) at 20i")
            #expect(
                try await Self.activationMails(
                    shop, kind: kind == .cloudServer ? "service_activated" : "domain_registered")
                    == 1, "\(kind.rawValue)")
        }
    }

    @Test("SIGKILL after TheSSLStore took the certificate order, then a restart: one order there, one issued email")
    func crashAfterCertificateOrder() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let folder = try TemporaryFolder()
            let shop = try await Self.shop(
                sandbox, whmcsURL: whmcsURL, whmURL: whmURL, folder: folder.path, email: "crash-ssl@example.com")
            // The name is registered here first, so the proof goes into its 20i zone and the sandbox CA issues.
            let domainOrder = try await Self.place(
                shop, slug: "domains", number: "72000001", cycle: nil, domain: "crash-ssl.com", action: .register)
            #expect(try await Self.serveUntilSettled(shop, domainOrder).0 == .active)

            let certificateOrder = try await Self.place(
                shop, slug: "ssl-dv", number: "72000002", cycle: .annually, domain: "crash-ssl.com", action: nil)
            #expect(try await Self.crashAtVendorCall(shop), "the process did not reach TheSSLStore")
            let (status, failure) = try await Self.serveUntilSettled(shop, certificateOrder)
            #expect(status == .active, "certificate after a crash: \(status) \(failure)")

            let atVendor = try await sandbox.store.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM sslstore_orders WHERE custom_id = ?", arguments: ["acme-72000002"])
                    ?? 0
            }
            #expect(atVendor == 1, "\(atVendor) certificate orders at TheSSLStore")
            #expect(try await Self.activationMails(shop, kind: "domain_registered") == 1, "the domain's")
            #expect(try await Self.activationMails(shop, kind: "certificate_issued") == 1)
        }
    }

    @Test("SIGKILL after 20i made the customer's StackCP user, then a restart: one stack user, one server, one email")
    func crashAfterStackUser() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let folder = try TemporaryFolder()
            let email = "crash-stack@example.com"
            let shop = try await Self.shop(
                sandbox, whmcsURL: whmcsURL, whmURL: whmURL, folder: folder.path, email: email)
            let order = try await Self.place(
                shop, slug: "cloud-medium", number: "74000001", cycle: .monthly, domain: "", action: nil)

            #expect(try await Self.crashAtVendorCall(shop, point: .stackUser), "the process did not reach 20i")
            let (status, failure) = try await Self.serveUntilSettled(shop, order)
            #expect(status == .active, "cloud server after a crash at its stack user: \(status) \(failure)")

            let (users, servers) = try await sandbox.store.read { db in
                (
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM twentyi_stack_users WHERE email = ?", arguments: [email]) ?? 0,
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM twentyi_cloud_servers WHERE name = ?",
                        arguments: ["acme-74000001"]) ?? 0
                )
            }
            #expect(users == 1 && servers == 1, "\(users) stack users, \(servers) servers at 20i")
            #expect(try await Self.activationMails(shop) == 1)
        }
    }

    @Test("SIGKILL after 20i renewed a domain, then a restart: renewed once at 20i, one renewal email")
    func crashAfterRenewal() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let folder = try TemporaryFolder()
            let shop = try await Self.shop(
                sandbox, whmcsURL: whmcsURL, whmURL: whmURL, folder: folder.path, email: "crash-renew@example.com")
            let registration = try await Self.place(
                shop, slug: "domains", number: "75000001", cycle: nil, domain: "crash-renew.com", action: .register)
            #expect(try await Self.serveUntilSettled(shop, registration).0 == .active)

            // Ten days before expiry, here and at 20i: the renewal pass places its order and the reminder.
            let soon = Date().addingTimeInterval(10 * 86_400)
            try await sandbox.store.write { db in
                try db.execute(
                    sql: "UPDATE twentyi_domains SET expires = ? WHERE name = ?",
                    arguments: [ISO8601DateFormatter().string(from: soon), "crash-renew.com"])
            }
            let renewal = try await Self.placeRenewal(shop, domain: "crash-renew.com", expires: soon)

            #expect(try await Self.crashAtVendorCall(shop), "the process did not reach 20i")
            let (status, failure) = try await Self.serveUntilSettled(shop, renewal)
            #expect(status == .active, "renewal after a crash: \(status) \(failure)")

            let years = try await sandbox.store.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT years FROM twentyi_domains WHERE name = ?", arguments: ["crash-renew.com"])
            }
            #expect(years == 2, "registered for a year and renewed once, not \(years ?? 0) years")
            #expect(try await Self.activationMails(shop, kind: "renewal_reminder") == 1)
            let database = try TenantDatabase.open(
                path: DataDirectory(path: shop.folder).tenantDatabasePath(shop.tenant.slug), tenantID: shop.tenant.id)
            defer { try? database.close() }
            let renewed = try await database.provisioned.domain(named: "crash-renew.com")
            #expect(renewed.map { $0.expiresAt > soon.addingTimeInterval(300 * 86_400) } == true)
        }
    }

    /// Moves the domain's expiry here to `expires` and runs one renewal pass, as the hourly sweep would; returns
    /// the renewal order it placed.
    static func placeRenewal(_ shop: Shop, domain name: String, expires: Date) async throws -> Order.ID {
        let dependencies = try await makeDependencies(dataPath: shop.folder)
        defer { try? dependencies.platform.close() }
        let tenant = shop.tenant
        let domain = try await dependencies.databases.withDatabase(for: tenant) { database in
            let domain = try #require(try await database.provisioned.domain(named: name))
            try await database.provisioned.updateDomain(domain.id!, now: Date()) { $0.expiresAt = expires }
            return domain
        }
        let scheduler = RenewalScheduler(
            registry: dependencies.registry, databases: dependencies.databases, upstreams: dependencies.upstreams,
            storefront: dependencies.storefront, flows: dependencies.accountFlows,
            realm: { dependencies.tenantRealm($0) }, orderQueue: dependencies.orderQueue,
            steps: dependencies.orderSteps, now: { Date() },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(await scheduler.runOnce() == 1)
        let renewal = try await dependencies.databases.withDatabase(for: tenant) { database in
            try await database.pool.read { db in
                try Order.filter(Column("renewal_of") == "domain:\(domain.id!.rawValue)").fetchOne(db)
            }
        }
        await dependencies.databases.closeAll()
        return try #require(renewal?.id)
    }
}
