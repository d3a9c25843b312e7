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
                id: $0.whmcsInvoiceID, number: $0.number, date: DisplayCalendar.readerDay($0.date),
                dueDate: DisplayCalendar.readerDay($0.dueDate),
                total: Money.format(minor: $0.totalMinor, currency: $0.currency),
                status: BillingLabels.invoiceStatus($0.isOverdue(today: today) ? "Overdue" : $0.status),
                overdue: $0.isOverdue(today: today)
            )
        }
        let base = AccountPaths.invoices.link() + "?status=\(filter.rawValue)&"
        let empty: String =
            switch filter {
            case .all: tr("billing.invoices.empty_all")
            case .unpaid: tr("billing.invoices.empty_unpaid")
            case .overdue: tr("billing.invoices.empty_overdue")
            case .paid: tr("billing.invoices.empty_paid")
            }
        return try flows.page(
            InvoicesPage(
                chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty,
                filters: BillingMirrorStore.InvoiceFilter.allCases.map {
                    .init(value: $0.rawValue, label: Self.filterLabel($0), current: $0 == filter)
                },
                emptyMessage: empty, previousURL: page > 1 ? "\(base)page=\(page - 1)" : nil,
                nextURL: page * perPage < list.total ? "\(base)page=\(page + 1)" : nil,
                refreshed: Self.refreshedText(refreshed)
            ),
            "account/invoices"
        )
    }

    /// The words on an invoice filter's link ("All", "Unpaid", …).
    static func filterLabel(_ filter: BillingMirrorStore.InvoiceFilter) -> String {
        switch filter {
        case .all: tr("billing.invoices.filter_all")
        case .unpaid: tr("billing.invoices.filter_unpaid")
        case .overdue: tr("billing.invoices.filter_overdue")
        case .paid: tr("billing.invoices.filter_paid")
        }
    }

    /// The customer's invoice from their copy of WHMCS. An invoice one of their orders made just now may not be
    /// in the copy yet: the copy is brought up to date first, so "Pay now" never lands on "not found".
    func ownedInvoice(_ context: CustomerRequestContext) async throws -> MirroredInvoice {
        guard let id = context.parameters.get("id").flatMap(Int.init) else { throw PortalError.notFound }
        do {
            return try await account.mirroredInvoice(id, of: context.account, in: context.tenant)
        } catch PortalError.notFound {
            let ordered = try await databases.withDatabase(for: context.tenant) {
                try await $0.orders.hasOrder(of: context.account.id, invoice: id)
            }
            guard ordered else { throw PortalError.notFound }
            try await refresher.refresh(context.account.id, in: context.tenant)
            return try await account.mirroredInvoice(id, of: context.account, in: context.tenant)
        }
    }

    /// One invoice as the customer reads it: the brand as seller (with its company and tax numbers), dates in the
    /// brand's way of writing them, each service line with the period it pays for, and each tax WHMCS charged
    /// with its name and rate.
    func invoicePage(_ context: CustomerRequestContext, notice: Notice? = nil, payment: CardPayment? = nil)
        async throws -> InvoicePage
    {
        let mirrored = try await ownedInvoice(context)
        let detail = try await account.invoice(mirrored, in: context.tenant)
        let content = try context.content
        let profile = try await account.profile(of: context.account, in: context.tenant)
        let currency = mirrored.currency.isEmpty ? content.brand.currency : mirrored.currency
        let money = { (minor: Int64) in Money.format(minor: minor, currency: currency) }
        let (services, tax, refunds) = try await databases.withDatabase(for: context.tenant) { database in
            var cycles: [Int: String] = [:]
            for item in detail.items where item.relatedID > 0 && item.type.lowercased() == "hosting" {
                if let service = try await database.billing.service(item.relatedID, of: context.account.id) {
                    cycles[item.relatedID] = service.billingCycle
                }
            }
            return (
                cycles, try await TaxSettings.load(database),
                try await database.payments.refunds(invoice: mirrored.whmcsInvoiceID)
            )
        }
        let brand = content.brand
        var page = InvoicePage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: detail.id, number: mirrored.number,
            status: detail.status, isUnpaid: detail.status == "Unpaid", date: DisplayCalendar.longDate(detail.date),
            dueDate: DisplayCalendar.longDate(detail.dueDate), datePaid: detail.datePaid.map(DisplayCalendar.longDate),
            lines: detail.items.map { item in
                .init(
                    description: item.description, amount: money(item.amountMinor),
                    period: services[item.relatedID].flatMap {
                        DisplayCalendar.servicePeriod(from: detail.dueDate, cycle: $0)
                    })
            },
            subtotal: money(detail.subtotalMinor), taxLines: tax.lines(of: detail, currency: currency),
            total: money(detail.totalMinor),
            balance: money(detail.balanceMinor), sellerName: context.chrome.companyName,
            sellerAddress: context.chrome.addressLines + (Countries.name(of: brand.country).map { [$0] } ?? []),
            companyNumber: brand.companyNumber, taxNumber: brand.taxNumber,
            customerName: profile.map { "\($0.firstName) \($0.lastName)" } ?? context.account.name,
            customerAddress: profile.map {
                [
                    $0.company, $0.address1, "\($0.city) \($0.postcode)", $0.state,
                    Countries.name(of: $0.country) ?? $0.country,
                ]
                .filter { !$0.isEmpty }
            } ?? []
        )
        page.statusLabel = BillingLabels.invoiceStatus(detail.status)
        page.customerTaxID = profile?.taxID ?? ""
        page.payment = payment.map { PaymentState($0, amount: money($0.amountMinor)) }
        page.hasRefunds = refunds.contains { $0.status == .refunded }
        page.refunds = refunds.filter { $0.status == .refunded }.map {
            tr(
                "billing.invoice.refunded",
                [
                    "amount": money($0.amountMinor),
                    "date": DisplayCalendar.longDate($0.createdAt, in: TimeZone(identifier: "UTC")!),
                ])
        }
        return page
    }

    @Sendable func invoice(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let returning = request.uri.queryParameters.get("payment")
        var payment: CardPayment?
        if returning == "return" || returning == "cancelled" {
            // Back from Stripe: asked there directly, as the webhook may not have arrived yet.
            let invoice = try await ownedInvoice(context)
            payment = await cards.latest(
                invoiceID: invoice.whmcsInvoiceID, account: context.account, in: context.tenant, ask: true)
        } else {
            let invoice = try await ownedInvoice(context)
            payment = await cards.latest(
                invoiceID: invoice.whmcsInvoiceID, account: context.account, in: context.tenant, ask: false)
            // An old attempt that came to nothing is not news on a later visit.
            if let shown = payment, shown.status == .open || shown.status == .expired { payment = nil }
        }
        return try flows.page(try await invoicePage(context, payment: payment), "account/invoice")
    }

    /// The same invoice as a PDF, drawn from the same template by WeasyPrint with the brand's stylesheet and logo.
    /// When it cannot be made, a page says so and offers the browser's Print instead.
    @Sendable func invoicePDF(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        var page = try await invoicePage(context)
        let brand = try context.content.brand
        page.chrome.isDocument = true
        page.chrome.logoURL = documents.logoDataURI(brand, tenant: context.tenant)
        let html = try flows.pages.render(page, template: "account/invoice")
        do {
            let pdf = try await documents.pdf(html, brand: brand, tenant: context.tenant)
            let name = "invoice-\(page.number.filter { $0.isLetter || $0.isNumber || $0 == "-" }).pdf"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/pdf", .contentDisposition: "attachment; filename=\"\(name)\"",
                    .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        } catch let failure as PDFRenderer.Failure {
            context.logger.error(
                "invoice PDF could not be made",
                metadata: [
                    "request_id": "\(context.requestID)", "tenant": "\(context.tenant.slug)", "error": "\(failure)",
                ])
            return try flows.page(
                MessagePage(
                    chrome: context.chrome, title: tr("billing.invoice.pdf_failed_title"),
                    message: tr("billing.invoice.pdf_failed_text"),
                    linkURL: AccountPaths.invoice.link(page.id), linkLabel: tr("billing.invoice.back_to_invoice")),
                "account/message", status: .serviceUnavailable)
        }
    }

    /// Pays on the brand's own Stripe checkout when the brand has connected Stripe, otherwise in WHMCS by single
    /// sign-on. The customer comes back to the invoice, which says how the payment stands.
    @Sendable func pay(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let invoice = try await ownedInvoice(context)
        let host = (request.head.authority ?? "").split(separator: ":").first.map(String.init) ?? ""
        let returnURL = flows.services.link(
            primaryHost: host.isEmpty ? context.tenant.slug.rawValue : host.lowercased(),
            path: AccountPaths.invoice.link(invoice.whmcsInvoiceID))
        // A page of the brand's own that moves on by itself: a form may only post (and be redirected) to this site
        // (CSP form-action 'self'), and the customer sees where they are going.
        let back = AccountPaths.invoice.link(invoice.whmcsInvoiceID)
        switch try await cards.route(
            invoiceID: invoice.whmcsInvoiceID, account: context.account, in: context.tenant, returnURL: returnURL)
        {
        case .stripe(let url):
            return try flows.page(
                PaymentHandoffPage(
                    chrome: context.chrome, url: url, backURL: back,
                    explanation: tr("billing.pay.stripe_explanation")),
                "account/payment-handoff")
        case .whmcs(let url):
            return try flows.page(
                PaymentHandoffPage(
                    chrome: context.chrome, url: url, backURL: back,
                    explanation: tr("billing.pay.whmcs_explanation")),
                "account/payment-handoff")
        case .nothingDue:
            try? await refresher.refresh(context.account.id, in: context.tenant)
            return flows.redirect(to: AccountPaths.invoice.link(invoice.whmcsInvoiceID))
        }
    }
}
