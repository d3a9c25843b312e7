import Foundation
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The staff's use cases on the brand's own database, without HTTP: orders the pipeline could not finish, and the
/// staff roster.
@Suite("Order desk and staff roster")
struct BackOfficeDeskTests {
    static func orderDesk(_ dependencies: PortalDependencies, resumed: Counter = Counter()) -> OrderDesk {
        OrderDesk(
            databases: dependencies.databases, queue: dependencies.orderQueue, flows: dependencies.accountFlows,
            realm: { dependencies.tenantRealm($0) }, resumeUpstreams: { _ in resumed.add() })
    }

    /// A placed order whose first step the pipeline gave up on.
    static func failedOrder(_ dependencies: PortalDependencies, _ tenant: Tenant, _ customer: Account) async throws
        -> Int64
    {
        let (hosting, domains) = try await CheckoutDeskTests.seed(dependencies, tenant)
        let choice = OrderChoice(cycle: "monthly", domain: "ada.example", domainAction: "existing")
        let total = try OrderQuote.make(entry: hosting, choice: choice, domainProduct: domains).get().totalMinor
        guard
            case .order(let id) = try await CheckoutDeskTests.desk(dependencies).place(
                CheckoutDeskTests.submission(choice, total: total), by: customer, in: tenant, ip: "")
        else { throw PortalError.notFound }
        try await dependencies.databases.withDatabase(for: tenant) { database in
            let job = try #require(try await database.orders.nextDueJob(now: .distantFuture))
            try await database.orders.park(job, error: "WHMCS refused")
        }
        return id.rawValue
    }

    @Test(
        "a failed order is retried once (breakers resumed) and cancelled once; a second try says why, changing nothing")
    func retryAndCancel() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let owner = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let ada = try await makeAccount(dependencies)
            let id = try await Self.failedOrder(dependencies, acme, ada)
            let resumed = Counter()
            let desk = Self.orderDesk(dependencies, resumed: resumed)

            #expect(try await desk.retry(id, by: owner, in: acme, ip: "") == .done)
            #expect(resumed.value == 1)
            #expect(
                try await desk.retry(id, by: owner, in: acme, ip: "")
                    == .refused("Nothing was changed: only a failed order can be retried."))
            #expect(try await desk.cancel(id, by: owner, in: acme, ip: "") == .done)
            #expect(
                try await desk.cancel(id, by: owner, in: acme, ip: "")
                    == .refused("Nothing was changed: an active or cancelled order cannot be cancelled here."))
            #expect(try await desk.detail(id, in: acme).order.status == .cancelled)
            await #expect(throws: PortalError.notFound) { try await desk.retry(9_999, by: owner, in: acme, ip: "") }
        }
    }

    @Test("a manual setup is marked done once and the customer gets one 'service ready' email with the nameservers")
    func completeSetup() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let owner = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let ada = try await makeAccount(dependencies)
            let id = try await Self.failedOrder(dependencies, acme, ada)
            let desk = Self.orderDesk(dependencies)
            let nameservers = ["ns1.acme.example", "ns2.acme.example"]

            #expect(
                try await desk.completeSetup(id, nameservers: nameservers, by: owner, in: acme, ip: "")
                    == .refused("Nothing was changed: this order has no open setup task."))
            _ = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.orders.update(Order.ID(id)) { $0.status = .needsSetup }
            }
            #expect(try await desk.completeSetup(id, nameservers: nameservers, by: owner, in: acme, ip: "") == .done)
            let mail = try await dependencies.outbox("acme").filter { $0.kind == "service_activated" }
            #expect(mail.count == 1 && mail.first?.toAddress == "ada@example.com")
            #expect(mail.first?.textBody.contains("ns1.acme.example") == true)
        }
    }

    @Test("another brand's order id is not found there")
    func orderIsolation() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let globexOwner = try await makeAccount(
                dependencies, tenant: "globex", kind: .staff, email: "owner@globex.example")
            let id = try await Self.failedOrder(dependencies, acme, try await makeAccount(dependencies))
            let desk = Self.orderDesk(dependencies)

            await #expect(throws: PortalError.notFound) { try await desk.detail(id, in: globex) }
            await #expect(throws: PortalError.notFound) {
                try await desk.cancel(id, by: globexOwner, in: globex, ip: "")
            }
            #expect(try await desk.detail(id, in: acme).order.status == .failed)
        }
    }

    @Test(
        "an invitation is sent once per address; the last owner cannot be demoted or removed; other brands' staff are not found"
    )
    func roster() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let owner = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let roster = StaffRoster(flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) })

            #expect(try await roster.invite("sam@acme.example", as: .support, by: owner, in: acme, ip: "") == .done)
            #expect(
                try await roster.invite("sam@acme.example", as: .admin, by: owner, in: acme, ip: "")
                    == .refused("This address is already on your staff."))
            let invites = try await dependencies.outbox("acme").filter { $0.kind == "staff_invite" }
            #expect(invites.map(\.toAddress) == ["sam@acme.example"])
            let (members, required) = try await roster.staff(of: acme)
            #expect(members.map(\.email).sorted() == ["owner@acme.example", "sam@acme.example"] && required)

            let lastOwner = StaffRoster.Outcome.refused(AccountError.lastOwner.description)
            #expect(try await roster.changeRole(of: owner.id, to: .support, by: owner, in: acme, ip: "") == lastOwner)
            #expect(try await roster.remove(owner.id, by: owner, in: acme, ip: "") == lastOwner)
            let sam = try #require(members.first { $0.email == "sam@acme.example" })
            #expect(try await roster.changeRole(of: sam.id, to: .admin, by: owner, in: acme, ip: "") == .done)

            let globexOwner = try await makeAccount(
                dependencies, tenant: "globex", kind: .staff, email: "owner@globex.example")
            await #expect(throws: PortalError.notFound) {
                try await roster.remove(sam.id, by: globexOwner, in: globex, ip: "")
            }
            await #expect(throws: PortalError.notFound) {
                try await roster.resetTwoFactor(of: sam.id, by: globexOwner, in: globex, ip: "")
            }
            #expect(try await roster.staff(of: acme).members.first { $0.id == sam.id }?.role == .admin)
        }
    }
}
