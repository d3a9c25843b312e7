import Foundation
import Hummingbird
import Integrations
import Tenancy

extension AdminCustomersController {
    func service(_ context: StaffRequestContext, of customer: Account) async throws -> MirroredService {
        guard let raw = context.parameters.get("service").flatMap(Int.init),
            let service = try await databases.withDatabase(
                for: context.tenant, { try await $0.billing.service(raw, of: customer.id) })
        else { throw PortalError.notFound }
        return service
    }

    @Sendable func suspend(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await changeService(
            context, command: .suspend, to: "Suspended", action: "service.suspended", done: "suspended")
    }

    @Sendable func unsuspend(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await changeService(
            context, command: .unsuspend, to: "Active", action: "service.unsuspended", done: "unsuspended")
    }

    /// Runs the WHMCS module command for one of the customer's services, then records the new status.
    func changeService(
        _ context: StaffRequestContext, command: WHMCSClient.ModuleCommand, to status: String, action: String,
        done: String
    ) async throws -> Response {
        try context.require(.admin)
        let customer = try await customer(context)
        let service = try await service(context, of: customer)
        do {
            let (client, _) = try await upstreams.whmcs(for: context.tenant)
            try await client.module(
                command, serviceID: service.whmcsServiceID,
                reason: command == .suspend ? "Suspended by \(context.tenant.name) staff" : nil)
        } catch let error as UpstreamError {
            let page = try await detail(
                customer, context,
                notice: .error("WHMCS did not change the service: \(error). Nothing was changed here."))
            return try flows.page(page, "admin/customer", status: .badGateway)
        }
        _ = try await databases.withDatabase(for: context.tenant) { database in
            try await database.billing.setServiceStatus(
                service.whmcsServiceID, of: customer.id, to: status, actor: context.staff, target: customer.email,
                action: action,
                ip: context.origin.clientAddress ?? "", now: flows.services.now()
            )
        }
        return flows.redirect(to: AdminPaths.customer.link(customer.id.rawValue) + "?done=\(done)")
    }

    @Sendable func resendWelcome(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let customer = try await customer(context)
        let service = try await service(context, of: customer)
        let realm = realm(context.tenant)
        let nameservers = try await databases.withDatabase(for: context.tenant) { try await $0.upstreams.nameservers() }
        let mail = try await flows.prepareMail(
            realm: realm, to: customer.email, name: customer.name, .serviceActivated,
            variables: [
                "service.name": service.productName, "service.domain": service.domain,
                "nameservers": nameservers.joined(separator: "\n"),
                "link": flows.services.link(
                    primaryHost: realm.linkHost, path: AccountPaths.service.link(service.whmcsServiceID)),
            ],
            tag: "service_activated"
        )
        let (staff, ip, now) = (context.staff, context.origin.clientAddress ?? "", flows.services.now())
        try await realm.withAccounts { store in
            try await flows.commit(store, realm: realm) { db in
                try AccountStore.insertMail(db, mail, now: now)
                try AccountStore.appendAudit(
                    db, "customer.welcome_resent", actor: staff, target: customer.email,
                    detail: "service \(service.whmcsServiceID)", ip: ip, now: now
                )
            }
        }
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
