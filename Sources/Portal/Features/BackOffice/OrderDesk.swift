import Foundation
import Tenancy

/// What a brand's owners and admins do with an order the pipeline could not finish: try the failed step again,
/// cancel it, or mark a manual setup done (which emails the customer).
package struct OrderDesk: Sendable {
    package enum Outcome: Sendable, Equatable {
        case done
        /// The order is not in a state that allows it; the reason, in staff words.
        case refused(String)
    }

    let databases: TenantDatabases
    let queue: OrderQueue
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    /// Resumes the brand's paused upstream calls: a person asking to try now means now.
    let resumeUpstreams: @Sendable (Tenant) -> Void

    package func detail(_ id: Int64, in tenant: Tenant) async throws -> OrderDetail {
        guard let detail = try await databases.withDatabase(for: tenant, { try await $0.orders.detail(Order.ID(id)) })
        else { throw PortalError.notFound }
        return detail
    }

    /// Queues the failed step again and wakes the pipeline.
    package func retry(_ id: Int64, by staff: Account, in tenant: Tenant, ip: String) async throws -> Outcome {
        resumeUpstreams(tenant)
        try await queue.willQueue(tenant.id)
        let outcome = try await change(tenant) { _ = try await $0.orders.retry(Order.ID(id), actor: staff, ip: ip) }
        queue.notify(tenant.id)
        return outcome
    }

    /// Stops everything still to run for the order; what WHMCS already made stays there.
    package func cancel(_ id: Int64, by staff: Account, in tenant: Tenant, ip: String) async throws -> Outcome {
        try await change(tenant) { _ = try await $0.orders.cancel(Order.ID(id), actor: staff, ip: ip) }
    }

    /// Marks a manual setup done and emails the customer that the service is ready, with the brand's nameservers.
    package func completeSetup(
        _ id: Int64, nameservers: [String], by staff: Account, in tenant: Tenant, ip: String
    ) async throws -> Outcome {
        let detail = try await detail(id, in: tenant)
        guard let customer = detail.customer else { throw PortalError.notFound }
        let realm = realm(tenant)
        let mail = try await flows.prepareMail(
            realm: realm, to: customer.email, name: customer.name, .serviceActivated,
            variables: [
                "service.name": detail.order.productName, "service.domain": detail.order.domain,
                "nameservers": nameservers.joined(separator: "\n"),
                "link": flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.order.link(id)),
            ],
            tag: "service_activated"
        )
        try await flows.mailQueue.willQueue(realm.mailbox)
        let outcome = try await change(tenant) {
            _ = try await $0.orders.completeSetup(Order.ID(id), actor: staff, ip: ip, mail: mail)
        }
        flows.mailQueue.notify(realm.mailbox)
        return outcome
    }

    private func change(_ tenant: Tenant, _ body: @Sendable (TenantDatabase) async throws -> Void) async throws
        -> Outcome
    {
        do {
            try await databases.withDatabase(for: tenant) { try await body($0) }
            return .done
        } catch OrderError.notFound {
            throw PortalError.notFound
        } catch let error as OrderError {
            return .refused("Nothing was changed: \(error.description).")
        }
    }
}
