import Foundation
import Hummingbird
import Tenancy

/// Upgrades, downgrades and cancellation requests of a customer's service, through `ServiceChanges`.
package struct ServiceChangeController: Sendable {
    let flows: AccountFlows
    let changes: ServiceChanges

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.serviceChange.route, use: preview)
        group.post(AccountPaths.serviceChange.route, use: change)
        group.post(AccountPaths.serviceCancel.route, use: cancel)
    }

    @Sendable func preview(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let id = try serviceID(context)
        let query = request.uri.queryParameters
        // The form's radio carries "product|cycle"; separate parameters work too.
        let choice = (query.get("choice") ?? "").split(separator: "|", maxSplits: 1).map(String.init)
        let slug = choice.count == 2 ? choice[0] : query.get("product") ?? ""
        let cycle = choice.count == 2 ? choice[1] : query.get("cycle") ?? ""
        switch try await changes.preview(id, to: slug, cycle: cycle, of: context.account, in: context.tenant) {
        case .failure(let refusal): return try blocked(context, id, refusal.message)
        case .success(let preview):
            return try flows.page(try ServiceChangePage(preview, context: context), Self.template)
        }
    }

    @Sendable func change(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let id = try serviceID(context)
        let form = try await FormData.parse(request)
        let key = form["idempotency_key"]
        guard IdempotencyKey.isWellFormed(key) else { return flows.redirect(to: AccountPaths.service.link(id)) }
        let outcome = try await changes.change(
            id, to: form["product"], cycle: form["cycle"], quoted: form["quoted"], key: key,
            currency: try context.content.brand.currency, by: context.account, in: context.tenant,
            ip: context.origin.clientAddress ?? "")
        return try respond(outcome, context, id, key: key)
    }

    @Sendable func cancel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let id = try serviceID(context)
        let form = try await FormData.parse(request)
        let key = form["idempotency_key"]
        guard IdempotencyKey.isWellFormed(key) else { return flows.redirect(to: AccountPaths.service.link(id)) }
        let immediately = ["now": true, "end": false][form["when"]]
        // The cancel tab's form first shows what will happen, on a page of its own; only its button cancels.
        if form["step"] == "review" {
            return try await confirmation(
                id, when: form["when"], immediately: immediately, reason: form["reason"], key: key, context)
        }
        let cancellation = ServiceChanges.Cancellation(
            immediately: immediately, confirmed: form["confirm"] == "on", reason: form["reason"])
        let outcome = try await changes.cancel(
            id, cancellation, key: key, currency: try context.content.brand.currency, by: context.account,
            in: context.tenant, ip: context.origin.clientAddress ?? "")
        return try respond(outcome, context, id, key: key)
    }

    /// The confirmation step of a cancellation: the service, when it ends and what is lost, with one button that
    /// cancels and one way back. Nothing changes here. A missing choice or an over-long reason goes back to the
    /// cancel tab with the problem beside the field.
    private func confirmation(
        _ id: Int, when: String, immediately: Bool?, reason: String, key: String, _ context: CustomerRequestContext
    ) async throws -> Response {
        let (service, _) = try await changes.service(id, of: context.account, in: context.tenant)
        let tab = AccountPaths.service.link(id) + "?tab=cancel"
        guard service.isActive else { return try blocked(context, id, tr("services.change.only_active_cancel")) }
        var problem: (field: String, message: String)?
        if immediately == nil { problem = ("when", tr("services.change.choose_when")) }
        if reason.count > 2_000 { problem = ("reason", tr("services.change.reason_too_long")) }
        let page = CancelConfirmationPage(
            chrome: context.chrome, csrf: context.csrfToken, serviceName: service.productName, domain: service.domain,
            immediately: immediately ?? false, endDate: service.nextDueDate, reason: reason, key: key, backURL: tab,
            cancelURL: AccountPaths.serviceCancel.link(id), when: immediately == nil ? "" : when,
            whenError: problem?.field == "when" ? problem?.message : nil,
            reasonError: problem?.field == "reason" ? problem?.message : nil)
        return try flows.page(page, "account/service-cancel", status: problem == nil ? .ok : .unprocessableContent)
    }

    // MARK: Helpers

    static let template = "account/service-change"

    private func respond(_ outcome: ServiceChanges.Outcome, _ context: CustomerRequestContext, _ id: Int, key: String)
        throws -> Response
    {
        switch outcome {
        case .order(let order): return flows.redirect(to: AccountPaths.order.link(order.rawValue))
        case .blocked(let message): return try blocked(context, id, message)
        case .priceChanged(let preview):
            var page = try ServiceChangePage(preview, context: context, key: key)
            page.notice = .error(tr("services.change.price_changed"))
            return try flows.page(page, Self.template, status: .conflict)
        }
    }

    private func blocked(_ context: CustomerRequestContext, _ id: Int, _ message: String) throws -> Response {
        try flows.page(
            MessagePage(
                chrome: context.chrome, title: tr("services.change.nothing_changed"), message: message,
                linkURL: AccountPaths.service.link(id), linkLabel: tr("services.change.back_to_service")),
            "account/message", status: .conflict
        )
    }

    private func serviceID(_ context: CustomerRequestContext) throws -> Int {
        guard let id = context.parameters.get("id").flatMap(Int.init) else { throw PortalError.notFound }
        return id
    }

    /// The form's one-time key, as the page made it.
}
