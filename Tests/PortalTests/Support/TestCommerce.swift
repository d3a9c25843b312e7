import Foundation
import GRDB
import HummingbirdTesting
import Sandbox
import Tenancy
import Testing

@testable import Portal

/// Shared steps of the catalogue and order tests.
enum Commerce {
    /// Points a test tenant at the sandbox: its own client group, product group and reseller, and nameservers.
    @discardableResult
    static func connect(
        _ slug: String, _ dependencies: PortalDependencies, _ sandbox: Sandbox, whmcsURL: String, whmURL: String,
        cloudAndCertificates: Bool = false
    ) async throws -> SandboxTenant {
        let tenant = try dependencies.registryTenant(slug)
        let setup = try await sandbox.provisionTenant(slug: slug, name: tenant.name)
        var input = IntegrationSettingsInput()
        input.mode = "sandbox"
        input.whmcsURL = whmcsURL
        input.whmcsIdentifier = sandbox.credentials.whmcsIdentifier
        input.whmcsSecret = sandbox.credentials.whmcsSecret
        input.whmcsGroup = String(setup.clientGroupID)
        input.whmURL = whmURL
        input.whmUser = setup.reseller
        input.whmToken = setup.resellerToken
        if cloudAndCertificates {
            input.twentyIURL = sandbox.twentyI.address.baseURL
            input.twentyIKey = sandbox.credentials.twentyIKey
            input.sslStoreURL = sandbox.sslStore.address.baseURL
            input.sslStorePartner = sandbox.credentials.sslStorePartnerCode
            input.sslStoreToken = sandbox.credentials.sslStoreAuthToken
        }
        let errors = try await dependencies.upstreams.update(tenant, with: input, actor: nil)
        #expect(errors.isEmpty, "\(errors)")
        try await dependencies.databases.withDatabase(for: tenant) { database in
            try await database.accounts.setSettings(
                [(ProductSync.productGroupKey, String(setup.productGroupID))], audit: "catalogue.settings_updated",
                actor: nil,
                detail: "test", ip: ""
            )
            try database.updateBrandNow { $0.nameservers = ["ns1.\(slug).example", "ns2.\(slug).example"] }
        }
        dependencies.storefront.invalidate(tenant)
        return setup
    }

    /// A verified customer with billing details, signed in on their tenant's host.
    static func customer(
        _ client: any TestClientProtocol, _ dependencies: PortalDependencies, tenant: String = "acme", email: String
    ) async throws -> (TestBrowser, Account) {
        let account = try await makeAccount(dependencies, tenant: tenant, email: email)
        let browser = TestBrowser(client, host: "\(tenant).localhost")
        try await signIn(browser, email: email)
        return (browser, account)
    }

    static let billing: [String: String] = [
        "first_name": "Ada", "last_name": "Lovelace", "company": "", "address1": "12 St James's Square",
        "city": "London",
        "state": "London", "postcode": "SW1Y 4JH", "country": "GB", "phone": "+44 20 7946 0001",
    ]

    /// Goes through configure and review and places the order; returns the order id from the redirect.
    static func order(
        _ browser: TestBrowser, slug: String = "plan-0", cycle: String = "monthly", domain: String,
        action: String = "existing",
        key: String? = nil, extra: [String: String] = [:]
    ) async throws -> Int64 {
        try await browser.get("/order/\(slug)")
        let query = "cycle=\(cycle)&domain=\(domain)&domain_action=\(action)"
        let review = try await browser.get("/order/\(slug)/review?\(query)")
        #expect(review.status == .ok, "\(review.text.prefix(400))")
        let idempotency = try #require(
            key ?? review.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
        let quoted = try #require(
            review.text.firstMatch(of: /name="quoted_total" value="([0-9]+)"/).map { String($0.1) })
        var form = billing
        form["cycle"] = cycle
        form["domain"] = domain
        form["domain_action"] = action
        form["idempotency_key"] = idempotency
        form["quoted_total"] = quoted
        form.merge(extra) { $1 }
        let placed = try await browser.post("/order/\(slug)", form)
        #expect(placed.status == .seeOther, "\(placed.text.prefix(600))")
        let location = try #require(placed.headers[.location])
        return try #require(Int64(location.split(separator: "/").last ?? ""))
    }

    /// Waits until the order reaches `status`, at most `seconds` (a bound against a hang on a busy two-core machine,
    /// not a measure of speed); returns it.
    @discardableResult
    static func wait(
        for id: Int64, tenant: String = "acme", _ dependencies: PortalDependencies, until status: Order.Status,
        seconds: Double = 120
    ) async throws -> Order {
        let deadline = Date().addingTimeInterval(seconds)
        let tenantRow = try dependencies.registryTenant(tenant)
        while true {
            let order = try #require(
                try await dependencies.databases.withDatabase(for: tenantRow) {
                    try await $0.orders.order(Order.ID(id))
                })
            if order.status == status || Date() > deadline {
                #expect(order.status == status, "order \(id) is \(order.status.rawValue): \(order.failure ?? "")")
                return order
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Upstream objects the sandbox holds for one customer email.
    struct Upstream: Equatable {
        var clients: Int
        var clientGroup: Int?
        var orders: Int
        var accounts: Int
        var accountOwner: String?
        var nameservers: String?
    }

    static func upstream(_ sandbox: Sandbox, email: String, domain: String) async throws -> Upstream {
        try await sandbox.store.read { db in
            let clients = try Row.fetchAll(
                db, sql: "SELECT id, groupid FROM whmcs_clients WHERE email = ?", arguments: [email])
            let ids = clients.map { $0["id"] as Int }
            let orders =
                try ids.isEmpty
                ? 0
                : Int.fetchOne(
                    db,
                    sql:
                        "SELECT count(*) FROM whmcs_orders WHERE userid IN (\(ids.map(String.init).joined(separator: ",")))"
                ) ?? 0
            let accounts = try Row.fetchAll(
                db, sql: "SELECT owner, nameservers FROM whm_accounts WHERE domain = ?", arguments: [domain])
            return Upstream(
                clients: clients.count, clientGroup: clients.first?["groupid"], orders: orders,
                accounts: accounts.count,
                accountOwner: accounts.first?["owner"], nameservers: accounts.first?["nameservers"]
            )
        }
    }
}
