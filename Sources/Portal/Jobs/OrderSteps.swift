import Branding
import Foundation
import Integrations
import Tenancy

/// A reason the pipeline cannot go on that retrying will not fix; the order is parked for staff.
struct OrderProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What each pipeline step does. Every step first reads what it stored and what exists upstream, so running it
/// again after a crash or a lost answer repeats nothing.
package struct OrderSteps: Sendable {
    package enum Outcome: Sendable {
        case finished
        /// Not a failure: waiting for the customer (email confirmation) or for a live payment.
        case waiting(String, retryAt: Date)
    }

    /// The settings key of the WHMCS payment method (gateway system name) orders are placed with.
    package static let paymentMethodKey = "catalogue.whmcs_payment_method"
    package static let defaultPaymentMethod = "mailin"

    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let sync: ProductSync
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let policy: PipelineRetryPolicy
    let now: @Sendable () -> Date
    /// Test hook (`--crash-after-step`): the process kills itself after this point's upstream work and before it
    /// is recorded, the worst moment for a crash.
    let crashAfter: CrashPoint?
    /// Brings the customer's local copy of WHMCS up to date once an order is set up.
    let refresher: BillingRefresher?

    package init(
        databases: TenantDatabases, upstreams: TenantUpstreams, sync: ProductSync, flows: AccountFlows,
        realm: @escaping @Sendable (Tenant) -> any AccountRealm, policy: PipelineRetryPolicy,
        now: @escaping @Sendable () -> Date = { Date() }, crashAfter: CrashPoint? = nil,
        refresher: BillingRefresher? = nil
    ) {
        self.refresher = refresher
        self.databases = databases
        self.upstreams = upstreams
        self.sync = sync
        self.flows = flows
        self.realm = realm
        self.policy = policy
        self.now = now
        self.crashAfter = crashAfter
    }

    func perform(_ job: OrderJob, tenant: Tenant) async throws -> Outcome {
        guard let detail = try await databases.withDatabase(for: tenant, { try await $0.orders.detail(job.orderID) }),
            let account = detail.customer
        else { throw OrderProblem("the order or its customer no longer exists") }
        let order = detail.order
        switch job.step {
        case .client: return try await client(job, order, account, tenant)
        case .order: return try await placeOrder(job, order, tenant)
        case .payment: return try await payment(job, order, tenant)
        case .accept: return try await accept(job, order, tenant)
        case .provision: return try await provision(job, order, account, tenant)
        }
    }

    func crashPoint(_ point: CrashPoint) {
        point.fire(ifConfigured: crashAfter)
    }

    func refreshQuietly(_ account: Account.ID, _ tenant: Tenant) async throws {
        do {
            try await refresher?.refresh(account, in: tenant)
        } catch {
            try await databases.withDatabase(for: tenant) { try await $0.billing.markStale(account) }
        }
    }

    func finish(
        _ job: OrderJob, _ tenant: Tenant, mail: OutgoingMail? = nil, setupTask: String? = nil,
        _ change: @escaping @Sendable (inout Order) -> Void = { _ in }
    ) async throws {
        try await databases.withDatabase(for: tenant) { database in
            try await database.orders.finish(job, now: now(), mail: mail, setupTask: setupTask, change)
        }
    }

}
