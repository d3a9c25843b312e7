import Foundation
import Integrations
import Logging
import Sandbox
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Renewal and overdue reminders computed from WHMCS, with an injected clock.
@Suite("Reminders")
struct ReminderTests {
    @Test(
        "30, 14, 7 and 1 days before renewal and after an unpaid due date: once each, in the tenant's time zone, never twice"
    )
    func thresholds() async throws {
        let dueDay = Date(timeIntervalSince1970: 1_803_859_200)  // 2027-03-01 00:00 UTC
        let clock = TestClock(frozenAt: dueDay)
        let day: TimeInterval = 86_400
        try await withSandbox(now: clock.now, autoCapture: false) { sandbox, whmcsURL, whmURL in
            try await withPortal { _, dependencies in
                let tenant = try dependencies.registryTenant("acme")
                let setup = try await sandbox.provisionTenant(slug: "acme", name: tenant.name)
                var input = IntegrationSettingsInput()
                input.mode = "sandbox"
                input.whmcsURL = whmcsURL
                input.whmcsIdentifier = sandbox.credentials.whmcsIdentifier
                input.whmcsSecret = sandbox.credentials.whmcsSecret
                input.whmcsGroup = String(setup.clientGroupID)
                #expect(try await dependencies.upstreams.update(tenant, with: input, actor: nil).isEmpty)
                let ada = try await makeAccount(dependencies, email: "ada@example.com")
                let link = try await dependencies.upstreams.billingClient(
                    for: ada,
                    profile: BillingProfile(
                        firstName: "Ada", lastName: "Lovelace", address1: "1 St", city: "London",
                        state: "London", postcode: "N1", country: "GB", phoneNumber: "1"),
                    in: tenant
                )
                // An order placed on the due day: the service renews then, and its invoice is due a week later.
                let whmcs = try await dependencies.upstreams.whmcs(for: tenant).client
                var product = WHMCSNewProduct(name: "Starter Web", groupID: 1)
                product.module = "cpanel"
                product.pricing = [1: [.annually: 4990]]
                let pid = try await whmcs.addProduct(product)
                let order = try await whmcs.addOrder(
                    clientID: link.clientID,
                    items: [WHMCSOrderItem(productID: pid, billingCycle: .annually, domain: "ada.example")],
                    paymentMethod: "banktransfer"
                )
                try await whmcs.acceptOrder(id: order.orderID)

                let scheduler = ReminderScheduler(
                    registry: dependencies.registry, databases: dependencies.databases,
                    upstreams: dependencies.upstreams,
                    flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) },
                    queue: dependencies.mailQueue,
                    now: clock.now,
                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
                )
                func run(at time: Date) async -> Int {
                    clock.move(to: time)
                    return await scheduler.runOnce()
                }
                #expect(await run(at: dueDay - 31 * day) == 0)
                #expect(await run(at: dueDay - 30 * day) == 1)
                #expect(await run(at: dueDay - 30 * day) == 0, "the same day again sends nothing")
                #expect(await run(at: dueDay - 20 * day) == 0)
                // 12:00 UTC fifteen days before is already 02:00 fourteen days before in Kiritimati (UTC+14).
                #expect(await run(at: dueDay - 15 * day + 12 * 3600) == 0)
                try await dependencies.accounts("acme") {
                    try await $0.setSetting(TenantMailSettings.timeZoneKey, to: "Pacific/Kiritimati")
                }
                #expect(
                    await run(at: dueDay - 15 * day + 12 * 3600) == 1, "the 14-day reminder by the tenant's calendar")
                try await dependencies.accounts("acme") {
                    try await $0.setSetting(TenantMailSettings.timeZoneKey, to: "UTC")
                }
                #expect(
                    await run(at: dueDay - 16 * day) == 0, "the clock going back does not resend an earlier threshold")
                #expect(await run(at: dueDay - 6 * day) == 1, "after a gap, only the nearest threshold (7 days)")
                #expect(await run(at: dueDay - 5 * day) == 0)
                #expect(await run(at: dueDay - 1 * day) == 1)
                // The invoice was due a week after the order; one day later it is overdue.
                #expect(await run(at: dueDay + 8 * day) == 1)
                #expect(await run(at: dueDay + 9 * day) == 0)

                let mails = try await dependencies.outbox("acme")
                #expect(mails.filter { $0.kind == "renewal_reminder" }.count == 4)
                let overdue = try #require(mails.first { $0.kind == "invoice_overdue" })
                #expect(overdue.toAddress == "ada@example.com" && overdue.textBody.contains("1 days overdue"))
                let renewal = try #require(mails.last { $0.kind == "renewal_reminder" })
                #expect(
                    renewal.textBody.contains("Starter Web") && renewal.textBody.contains("ada.example")
                        && renewal.textBody.contains("1 March 2027") && renewal.textBody.contains("£49.90"))
                #expect(try await dependencies.outbox("globex").isEmpty)

                // A domain registered on the due day renews a year later; its reminders follow the same rules.
                clock.move(to: dueDay)
                let domainOrder = try await whmcs.addOrder(
                    clientID: link.clientID, items: [], domains: [WHMCSDomainOrder(domain: "ada-brand.example")],
                    paymentMethod: "banktransfer"
                )
                try await whmcs.acceptOrder(id: domainOrder.orderID)
                let renewal365 = dueDay + 365 * day
                #expect(await run(at: renewal365 - 7 * day) >= 1)
                let domainMail = try #require(
                    try await dependencies.outbox("acme").first { $0.kind == "renewal_reminder" })
                #expect(
                    domainMail.textBody.contains("Domain registration")
                        && domainMail.textBody.contains("ada-brand.example"))
                #expect(await run(at: renewal365 - 7 * day) == 0)
            }
        }
    }
}
