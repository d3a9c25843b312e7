import Foundation
import Hummingbird
import Integrations
import Tenancy

extension AdminCustomersController {
    func service(_ context: StaffRequestContext, of customer: Account) async throws -> MirroredService {
        guard let id = context.parameters.get("service").flatMap(Int.init) else { throw PortalError.notFound }
        return try await desk.service(id, of: customer, in: context.tenant)
    }

    @Sendable func suspend(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await changeService(context, .suspend, done: "suspended")
    }

    @Sendable func unsuspend(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await changeService(context, .unsuspend, done: "unsuspended")
    }

    /// Suspends or restores one of the customer's services at WHMCS, then records the new status.
    func changeService(_ context: StaffRequestContext, _ change: CustomerDesk.ServiceChange, done: String)
        async throws -> Response
    {
        try context.require(.admin)
        let customer = try await customer(context)
        let service = try await service(context, of: customer)
        do {
            try await desk.change(change, service, of: customer, by: context.staff, in: context.tenant, ip: ip(context))
        } catch let error as UpstreamError {
            let page = try await detail(
                customer, context,
                notice: .error("WHMCS did not change the service: \(error). Nothing was changed here."))
            return try flows.page(page, "admin/customer", status: .badGateway)
        }
        return flows.redirect(to: AdminPaths.customer.link(customer.id.rawValue) + "?done=\(done)")
    }

    @Sendable func resendWelcome(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let customer = try await customer(context)
        let service = try await service(context, of: customer)
        try await desk.resendWelcome(
            for: service, to: customer, by: context.staff, in: context.tenant, ip: ip(context))
        return flows.redirect(to: AdminPaths.customer.link(customer.id.rawValue) + "?done=welcome")
    }

    /// Starts a session as the customer in this browser (replacing the staff session) with a banner on every page,
    /// no access to the customer's security settings, an hour at most, and an audit entry.
    @Sendable func signInAs(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let customer = try await customer(context)
        let (staff, ip, now) = (context.staff, context.origin.clientAddress ?? "", flows.services.now())
        let cookie = try await realm(context.tenant).withAccounts { store in
            try await store.audit(
                "customer.signed_in_as", actor: staff, target: customer.email, detail: "", ip: ip, now: now)
            return try await flows.startSession(
                for: customer, secondFactorPending: false, request: request, origin: context.origin, in: store,
                impersonator: staff.id
            )
        }
        return flows.redirect(to: AccountPaths.home.link(), cookies: [cookie])
    }
}
