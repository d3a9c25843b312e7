import Foundation
import Hummingbird
import Integrations
import Tenancy

/// `/admin/invoices/{id}`: one customer invoice in the back office, with its card payments and refunds; owners and
/// admins refund all or part of a card payment there (Stripe refund, WHMCS transaction, audit entry and the
/// customer's branded email).
struct RefundsController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let cards: CardPayments
    let upstreams: TenantUpstreams

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.invoice.route, use: show)
        group.post(AdminPaths.invoiceRefund.route, use: refund)
    }

    private func invoice(_ context: StaffRequestContext) async throws -> (MirroredInvoice, Account) {
        guard let id = context.parameters.get("id").flatMap(Int.init),
            let found = try await databases.withDatabase(
                for: context.tenant,
                { database -> (MirroredInvoice, Account)? in
                    guard let invoice = try await database.billing.invoice(id),
                        let account = try await database.accounts.account(invoice.accountID)
                    else { return nil }
                    return (invoice, account)
                })
        else { throw PortalError.notFound }
        return found
    }

    func page(
        _ context: StaffRequestContext, amount: String? = nil, reason: String = "", errors: [String: String] = [:],
        notice: Notice? = nil
    ) async throws -> AdminInvoicePage {
        let (invoice, customer) = try await invoice(context)
        let (payments, refunds) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.payments.paidPayments(invoice: invoice.whmcsInvoiceID),
                try await database.payments.refunds(invoice: invoice.whmcsInvoiceID)
            )
        }
        let currency = Currency(invoice.currency.isEmpty ? try context.content.brand.currency : invoice.currency)
        let money = { (minor: Int64) in Money.format(minor: minor, currency: currency.code) }
        let refundable = payments.last(where: { $0.refundableMinor > 0 })?.refundableMinor ?? 0
        let zone = TimeZone(identifier: "UTC")!
        return AdminInvoicePage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: invoice.whmcsInvoiceID,
            number: invoice.number.isEmpty ? String(invoice.whmcsInvoiceID) : invoice.number, status: invoice.status,
            total: money(invoice.totalMinor), dueDate: DisplayCalendar.longDate(invoice.dueDate),
            customerName: customer.name, customerEmail: customer.email,
            customerURL: AdminPaths.customer.link(customer.id.rawValue),
            payments: payments.map {
                .init(
                    reference: $0.paymentIntent ?? $0.sessionID, amount: money($0.amountMinor),
                    refunded: money($0.refundedMinor), date: DisplayCalendar.longDate($0.createdAt, in: zone),
                    recorded: $0.appliedAt != nil)
            },
            refunds: refunds.map {
                .init(
                    amount: money($0.amountMinor), reason: $0.reason, status: $0.status.rawValue.capitalized,
                    failure: $0.failure, by: $0.actor, date: DisplayCalendar.longDate($0.createdAt, in: zone),
                    recorded: $0.recordedAt != nil)
            },
            canRefund: context.role >= .admin && refundable > 0,
            refundable: money(refundable),
            amount: amount ?? (refundable > 0 ? MoneyInput.text(refundable, currency: currency) : ""),
            reason: reason, errors: errors)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let notice: Notice? =
            request.uri.queryParameters.get("done") == "refunded"
            ? .success("Refunded. The customer has been emailed.") : nil
        return try flows.page(try await page(context, notice: notice), "admin/invoice")
    }

    @Sendable func refund(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let (invoice, _) = try await invoice(context)
        let form = try await FormData.parse(request)
        let reason = form.trimmed("reason")
        let currency = Currency(invoice.currency.isEmpty ? try context.content.brand.currency : invoice.currency)
        let refused = { (field: String, message: String) in
            try flows.page(
                try await page(
                    context, amount: form["amount"], reason: reason, errors: [field: message],
                    notice: .error("Nothing was refunded: correct the field marked below.")),
                "admin/invoice", status: .unprocessableContent)
        }
        guard reason.count <= 500 else { return try await refused("reason", "Keep the reason under 500 characters.") }
        guard let amount = MoneyInput.parse(form["amount"], currency: currency), amount > 0 else {
            return try await refused(
                "amount", "Enter the amount to refund, such as \(MoneyInput.example(currency).price).")
        }
        do {
            _ = try await cards.refund(
                invoiceID: invoice.whmcsInvoiceID, amountMinor: amount, reason: reason, by: context.staff,
                in: context.tenant, ip: context.origin.clientAddress ?? "")
        } catch CardPayments.RefundProblem.exceeds(let left) {
            return try await refused(
                "amount",
                "At most \(Money.format(minor: left, currency: currency.code)) is left to refund on this payment.")
        } catch CardPayments.RefundProblem.nothingToRefund {
            return try await refused("amount", "This invoice has no card payment left to refund.")
        } catch CardPayments.RefundProblem.stripe(let why) {
            return try flows.page(
                try await page(
                    context, amount: form["amount"], reason: reason,
                    notice: .error("Stripe did not make the refund: \(why). Nothing was refunded.")),
                "admin/invoice", status: .badGateway)
        }
        return flows.redirect(to: AdminPaths.invoice.link(invoice.whmcsInvoiceID) + "?done=refunded")
    }
}

/// `/admin/invoices/{id}`.
struct AdminInvoicePage: Sendable {
    struct Payment: Sendable {
        let reference: String
        let amount: String
        let refunded: String
        let date: String
        let recorded: Bool
    }

    struct Refund: Sendable {
        let amount: String
        let reason: String
        let status: String
        let failure: String
        let by: String
        let date: String
        let recorded: Bool
    }

    let chrome: StorefrontChrome
    let csrf: String
    var notice: Notice?
    let id: Int
    let number: String
    let status: String
    let total: String
    let dueDate: String
    let customerName: String
    let customerEmail: String
    let customerURL: String
    let payments: [Payment]
    let refunds: [Refund]
    let canRefund: Bool
    let refundable: String
    let amount: String
    let reason: String
    let errors: [String: String]
}
