import Branding
import Foundation
import Tenancy

/// What the customer posted at "Place order", parsed but not yet checked against the catalogue.
package struct CheckoutSubmission: Sendable {
    package var slug: String
    package var choice: OrderChoice
    /// The form's one-time key: an order posted twice is placed once.
    package var idempotencyKey: String
    /// The total the review page showed, in minor units.
    package var quotedTotal: String
    package var profile: ProfileForm
    /// A transfer's authorisation code, sealed for the pipeline and never stored in the clear.
    package var transferCode: String
    /// The customer ticked "I accept the terms of service" (asked when the brand links its terms).
    package var acceptedTerms = false
}

/// Placing an order: the catalogue's price at this moment, the customer's billing details, one order per form key,
/// its confirmation email, and the pipeline told there is work.
package struct CheckoutDesk: Sendable {
    package enum Outcome: Sendable {
        /// Placed now, or earlier under the same form key.
        case order(Order.ID)
        /// The product's choices no longer hold (a cycle withdrawn, a domain refused): choose again.
        case choose(CatalogueEntry, currency: String, problems: [String: String], notice: String)
        /// The quote stands but the review must be shown again: a new total, or billing details to complete.
        case review(OrderQuote, currency: String, problems: [String: String], notice: String, conflict: Bool)
    }

    let databases: TenantDatabases
    let queue: OrderQueue
    let mailQueue: MailQueue
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let upstreams: TenantUpstreams

    package func place(
        _ submission: CheckoutSubmission, by customer: Account, in tenant: Tenant, ip: String
    ) async throws -> Outcome {
        // Read from the database, not the page cache: the price charged is the catalogue's at this moment.
        let (stored, domains, brand) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.catalogue.entry(slug: submission.slug),
                try await database.catalogue.entries([.visible, .hidden]).first { $0.product.kind == .domain },
                try await database.storefront().brand
            )
        }
        let currency = brand.currency
        guard let entry = stored, entry.product.visibility != .retired else { throw PortalError.notFound }
        let key = submission.idempotencyKey
        // A replayed submission finds its order before anything is checked again.
        if let existing = try await databases.withDatabase(
            for: tenant, { try await $0.orders.order(idempotencyKey: key, of: customer.id) })
        {
            return .order(existing.id!)
        }
        let quote: OrderQuote
        switch OrderQuote.make(entry: entry, choice: submission.choice, domainProduct: domains) {
        case .failure(let problems):
            return .choose(
                entry, currency: currency, problems: problems.fields,
                notice: tr("checkout.place.changed"))
        case .success(let made):
            let (priced, promoProblem) = try await priced(made, promo: submission.choice.promoCode, in: tenant)
            if let promoProblem {
                return .review(
                    made, currency: currency, problems: ["promo_code": promoProblem],
                    notice: tr("checkout.place.promo_lapsed"), conflict: true)
            }
            quote = priced
        }
        if quote.entry.product.kind.isHosting,
            try await databases.withDatabase(
                for: tenant, { try await $0.orders.hasHosting(customer.id, domain: quote.domain) })
        {
            let problem = tr("checkout.place.has_hosting", ["domain": quote.domain])
            return .choose(
                entry, currency: currency, problems: ["domain": problem], notice: tr("checkout.place.correct_choices"))
        }
        if submission.quotedTotal != String(quote.totalMinor) {
            return .review(
                quote, currency: currency, problems: [:],
                notice: tr("checkout.place.price_changed"),
                conflict: true)
        }
        var problems = submission.profile.problems()
        if quote.domainAction == .transfer, let problem = Self.transferCodeProblem(submission.transferCode) {
            problems["transfer_code"] = problem
        }
        if !brand.termsURL.isEmpty, !submission.acceptedTerms {
            problems["terms"] = tr("checkout.place.accept_terms")
        }
        guard problems.isEmpty else {
            let notice =
                problems.count == 1 && problems["transfer_code"] != nil
                ? tr("checkout.place.enter_transfer_code")
                : problems.count == 1 && problems["terms"] != nil
                    ? tr("checkout.place.notice_terms") : tr("checkout.place.complete_billing")
            return .review(quote, currency: currency, problems: problems, notice: notice, conflict: false)
        }
        let placed = try await record(quote, submission, currency: currency, by: customer, in: tenant, ip: ip)
        return .order(placed)
    }

    private func record(
        _ quote: OrderQuote, _ submission: CheckoutSubmission, currency: String, by customer: Account,
        in tenant: Tenant, ip: String
    ) async throws -> Order.ID {
        let now = flows.services.now()
        let realm = realm(tenant)
        let placement = OrderPlacement(databases: databases, queue: queue, mailQueue: mailQueue)
        let placed = try await placement.place(in: tenant, mailbox: realm.mailbox, actor: customer, ip: ip, now: now) {
            number in
            var order = Order(
                accountID: customer.id, number: number, idempotencyKey: submission.idempotencyKey,
                entry: quote.entry, cycle: quote.cycle, domain: quote.domain, domainAction: quote.domainAction,
                currency: currency, priceMinor: quote.priceMinor, setupMinor: quote.setupMinor,
                domainMinor: quote.domainMinor, now: now
            )
            order.discountMinor = quote.discountMinor
            order.totalMinor = quote.totalMinor
            order.promoCode = quote.promoCode
            if quote.domainAction == .transfer {
                order.transferCode = try upstreams.seal(
                    submission.transferCode, tenant, TenantUpstreams.transferCodeField)
            }
            let mail = try await flows.prepareMail(
                realm: realm, to: customer.email, name: customer.name, .orderConfirmation,
                values: [
                    "order.number": .text(number),
                    "order.items": .list(
                        quote.lines.map {
                            ["name": $0.label, "price": Money.format(minor: $0.amountMinor, currency: currency)]
                        }),
                    "order.total": .text(Money.format(minor: quote.totalMinor, currency: currency)),
                    "link": .text(flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.orders.link())),
                ],
                tag: "order_confirmation"
            )
            return (order, submission.profile.profile(for: customer.id, now: now), mail)
        }
        return placed.id!
    }

    /// Adds to the review what the customer needs before paying: domain, renewals, the brand's tax statement and
    /// its terms.
    func explain(
        _ page: inout OrderReviewPage, _ quote: OrderQuote, currency: String, brand: Brand, acceptedTerms: Bool,
        in tenant: Tenant
    ) async throws {
        page.explain(
            quote, currency: currency, now: flows.services.now(), termsURL: brand.termsURL,
            acceptedTerms: acceptedTerms)
        page.taxStatement = try await databases.withDatabase(for: tenant) { try await TaxSettings.load($0) }.statement
    }

    /// A transfer's authorisation (EPP) code: 4 to 64 visible characters, as registries issue them.
    static func transferCodeProblem(_ code: String) -> String? {
        if code.isEmpty { return tr("checkout.transfer_code.missing") }
        guard (4...64).contains(code.count),
            code.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
        else {
            return tr("checkout.transfer_code.invalid")
        }
        return nil
    }
}
