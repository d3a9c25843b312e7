import Foundation
import Hummingbird
import Tenancy

extension CheckoutController {
    // MARK: Customer's orders

    @Sendable func orders(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let perPage = 20
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        let rows = try await databases.withDatabase(for: context.tenant) { database in
            try await database.orders.orders(of: context.account.id, limit: perPage + 1, offset: (page - 1) * perPage)
        }
        let shown = rows.prefix(perPage).map { order in
            CustomerOrdersPage.Row(
                id: order.id!.rawValue, number: order.number, product: order.productName,
                domain: IDNA.toUnicode(order.domain),
                total: Money.format(minor: order.totalMinor, currency: order.currency),
                status: order.status.customerLabel,
                statusCode: order.status == .failed ? Order.Status.provisioning.rawValue : order.status.rawValue,
                placed: PageDates.format(order.createdAt)
            )
        }
        return try flows.page(
            CustomerOrdersPage(
                chrome: context.chrome, csrf: context.csrfToken, rows: Array(shown), hasRows: !shown.isEmpty,
                previousURL: page > 1 ? AccountPaths.orders.link() + "?page=\(page - 1)" : nil,
                nextURL: rows.count > perPage ? AccountPaths.orders.link() + "?page=\(page + 1)" : nil
            ),
            "account/orders"
        )
    }

    @Sendable func order(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        guard let raw = context.parameters.get("id").flatMap(Int64.init),
            let (detail, payment) = try await databases.withDatabase(
                for: context.tenant,
                { database -> (OrderDetail, CardPayment?)? in
                    guard let detail = try await database.orders.order(Order.ID(raw), of: context.account.id)
                    else { return nil }
                    // A card payment made but not yet seen by the order's payment step still counts as paid here.
                    guard detail.order.status == .awaitingPayment, let invoiceID = detail.order.whmcsInvoiceID
                    else { return (detail, nil) }
                    return (
                        detail, try await database.payments.latestPayment(invoice: invoiceID, of: context.account.id)
                    )
                })
        else { throw PortalError.notFound }
        let order = detail.order
        let paymentMade = payment.map { $0.status == .paid || $0.status == .processing } ?? false
        var hosting: HostingAccountRecord?
        if let hostingID = order.hostingAccountID, order.status == .active {
            hosting = try await databases.withDatabase(for: context.tenant) { database in
                try await database.upstreams.hostingAccounts(of: context.account.id).first { $0.id == hostingID }
            }
        }
        let reached: Int =
            switch order.status {
            case .awaitingPayment: 0
            case .paid: 1
            case .provisioning, .needsSetup, .failed: 2
            case .active: 3
            case .cancelled: -1
            }
        let labels = [
            tr("checkout.order.step_received"), tr("checkout.order.status.paid"),
            tr("checkout.order.status.provisioning"), tr("checkout.order.step_ready"),
        ]
        let brandNameservers = try context.content.brand.nameservers
        let nameservers = hosting.map { $0.nameservers.isEmpty ? brandNameservers : $0.nameservers } ?? []
        // Waiting for the customer, not for us: the page says what to do and stops refreshing itself. Once the card
        // payment is in, it is waiting for us again (the payment step is woken by it): the page keeps refreshing.
        let payURL =
            order.status == .awaitingPayment && context.account.emailVerifiedAt != nil && !paymentMade
            ? order.whmcsInvoiceID.map { AccountPaths.invoice.link($0) } : nil
        var page = CustomerOrderPage(
            chrome: context.chrome, csrf: context.csrfToken, number: order.number, product: order.productName,
            domain: IDNA.toUnicode(order.domain),
            total: Money.format(minor: order.totalMinor, currency: order.currency), status: order.status.customerLabel,
            message: payURL != nil
                ? tr("checkout.order.invoice_ready")
                : paymentMade ? tr("checkout.order.message.payment_received") : Self.message(order),
            isSettling: order.status.isSettling && payURL == nil, isActive: order.status == .active,
            steps: labels.enumerated().map { index, label in
                .init(label: label, done: index <= reached, current: index == reached)
            },
            placed: PageDates.format(order.createdAt),
            waitingForEmail: context.account.emailVerifiedAt == nil && order.status == .awaitingPayment,
            email: context.account.email,
            hostingUsername: hosting?.username, nameservers: nameservers, hasNameservers: !nameservers.isEmpty
        )
        page.payURL = payURL
        return try flows.page(page, "account/order")
    }
}
