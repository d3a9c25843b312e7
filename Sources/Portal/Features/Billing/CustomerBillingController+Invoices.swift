import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension CustomerBillingController {
    // MARK: Invoices

    @Sendable func invoices(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let filter =
            BillingMirrorStore.InvoiceFilter(rawValue: request.uri.queryParameters.get("status") ?? "all") ?? .all
        let perPage = 20
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let today = Self.today(flows.services.now())
        let (list, refreshed) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.billing.invoices(
                    of: context.account.id, filter: filter, today: today, limit: perPage,
                    offset: (page - 1) * perPage),
                try await database.billing.refreshedAt(context.account.id)
            )
        }
        refresher.refreshIfStale(
            context.account.id, in: context.tenant, refreshedAt: refreshed, now: flows.services.now())
        let rows = list.items.map {
            InvoicesPage.Row(
                id: $0.whmcsInvoiceID, number: $0.number, date: $0.date, dueDate: $0.dueDate,
                total: Money.format(minor: $0.totalMinor, currency: $0.currency),
                status: $0.isOverdue(today: today) ? "Overdue" : $0.status,
                overdue: $0.isOverdue(today: today)
            )
        }
        let base = AccountPaths.invoices.link() + "?status=\(filter.rawValue)&"
        let empty: String =
            switch filter {
            case .all: "You have no invoices yet. They appear here as soon as you order something."
            case .unpaid: "Nothing to pay: every invoice is settled."
            case .overdue: "Nothing is overdue."
            case .paid: "No paid invoices yet."
            }
        return try flows.page(
            InvoicesPage(
                chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty,
                filters: BillingMirrorStore.InvoiceFilter.allCases.map {
                    .init(value: $0.rawValue, label: $0.rawValue.capitalized, current: $0 == filter)
                },
                emptyMessage: empty, previousURL: page > 1 ? "\(base)page=\(page - 1)" : nil,
                nextURL: page * perPage < list.total ? "\(base)page=\(page + 1)" : nil,
                refreshed: Self.refreshedText(refreshed)
            ),
            "account/invoices"
        )
    }

    func ownedInvoice(_ context: CustomerRequestContext) async throws -> MirroredInvoice {
        guard let id = context.parameters.get("id").flatMap(Int.init) else { throw PortalError.notFound }
        return try await account.mirroredInvoice(id, of: context.account, in: context.tenant)
    }

    @Sendable func invoice(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let mirrored = try await ownedInvoice(context)
        let detail = try await account.invoice(mirrored, in: context.tenant)
        let content = try context.content
        let profile = try await account.profile(of: context.account, in: context.tenant)
        let currency = mirrored.currency.isEmpty ? content.brand.currency : mirrored.currency
        let money = { (minor: Int64) in Money.format(minor: minor, currency: currency) }
        var notice: Notice?
        if request.uri.queryParameters.get("done") == "paid" {
            notice = .success("Thank you: the payment is recorded.")
        }
        let page = InvoicePage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: detail.id, number: mirrored.number,
            status: detail.status, isUnpaid: detail.status == "Unpaid", date: detail.date, dueDate: detail.dueDate,
            datePaid: detail.datePaid,
            lines: detail.items.map { .init(description: $0.description, amount: money($0.amountMinor)) },
            subtotal: money(detail.subtotalMinor), tax: money(detail.taxMinor), hasTax: detail.taxMinor != 0,
            total: money(detail.totalMinor),
            balance: money(detail.balanceMinor), sellerName: context.chrome.companyName,
            sellerAddress: context.chrome.addressLines,
            customerName: profile.map { "\($0.firstName) \($0.lastName)" } ?? context.account.name,
            customerAddress: profile.map {
                [$0.company, $0.address1, "\($0.city) \($0.postcode)", $0.state, $0.country].filter { !$0.isEmpty }
            } ?? []
        )
        return try flows.page(page, "account/invoice")
    }

    /// Sandbox: records the payment. Live: single sign-on into the WHMCS invoice, where the customer pays.
    @Sendable func pay(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let invoice = try await ownedInvoice(context)
        switch try await billing.pay(
            invoiceID: invoice.whmcsInvoiceID, for: context.account.id, in: context.tenant,
            reference: context.requestID)
        {
        case .paid: return flows.redirect(to: AccountPaths.invoice.link(invoice.whmcsInvoiceID) + "?done=paid")
        case .redirect(let url): return flows.redirect(to: url)
        }
    }
}
