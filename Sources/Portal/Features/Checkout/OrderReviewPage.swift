import Foundation
import Tenancy

/// `/order/{slug}/review`: the price summary, then either sign-in links or the billing details and "Place order".
package struct OrderReviewPage: Sendable {
    package struct Line: Sendable {
        package let label: String
        package let amount: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let slug: String
    package let name: String
    package let lines: [Line]
    package let total: String
    package let cycle: String
    package let domain: String
    package let domainAction: String
    package let changeURL: String
    package let signedIn: Bool
    package let signInURL: String
    package let signUpURL: String
    package let idempotencyKey: String
    /// The total shown, in minor units; a different total at "Place order" shows the review again.
    package let quotedTotal: String
    package let profile: ProfileForm
    package let errors: [String: String]
    /// A transfer asks for the domain's authorisation code here, in the posted form only (never in a link).
    package let isTransfer: Bool
    package var notice: Notice?
    /// "example.com: register it" and the like; nil when the order has no domain.
    package var domainText: String?
    /// What is charged later and when: the plan each cycle, the domain each year.
    package var renewals: [String] = []
    package var hasRenewals = false
    package var taxStatement = TaxSettings().statement
    /// The promotion code as typed (shown in its field, even when it was refused).
    package var promoCode = ""
    /// The code the quote's discount comes from, carried to "Place order"; empty when none applies.
    package var appliedPromoCode = ""
    /// The brand's terms of service, which the customer accepts with a tick; nil when the brand has none.
    package var termsURL: String?
    /// The box was ticked (kept when the form is shown again).
    package var acceptedTerms = false
    /// A visitor's form: their account and billing details in one step.
    package var newCustomer: NewCustomerForm?
}

extension OrderReviewPage {
    init(
        _ quote: OrderQuote, currency: String, choice: OrderChoice, chrome: StorefrontChrome, csrf: String,
        signedIn: Bool, profile: ProfileForm, key: String, errors: [String: String] = [:]
    ) {
        let slug = quote.entry.product.slug
        let next = QueryComponent.encode(StorefrontPaths.orderReview.link(slug) + "?\(choice.query)")
        self.init(
            chrome: chrome, csrf: csrf, slug: slug, name: quote.entry.product.name,
            lines: quote.lines.map {
                Line(label: $0.label, amount: Money.format(minor: $0.amountMinor, currency: currency))
            },
            total: Money.format(minor: quote.totalMinor, currency: currency), cycle: choice.cycle, domain: quote.domain,
            domainAction: quote.domainAction?.rawValue ?? "",
            changeURL: StorefrontPaths.order.link(slug) + "?\(choice.query)", signedIn: signedIn,
            signInURL: SignInPaths.customer.login.link() + "?next=\(next)",
            signUpURL: StorefrontPaths.signup.link() + "?next=\(next)", idempotencyKey: key,
            quotedTotal: String(quote.totalMinor), profile: profile, errors: errors,
            isTransfer: quote.domainAction == .transfer
        )
        appliedPromoCode = quote.promoCode
    }

    /// Adds what the customer needs to know before paying: the domain, what renews when, tax and the terms.
    mutating func explain(
        _ quote: OrderQuote, currency: String, now: Date, termsURL: String, acceptedTerms: Bool
    ) {
        if !quote.domain.isEmpty {
            let action: String =
                switch quote.domainAction {
                case .register?: tr("checkout.review.domain_registered")
                case .transfer?: tr("checkout.review.domain_transferred")
                case .existing?: tr("checkout.review.domain_existing")
                case nil: tr("checkout.review.domain_server_name")
                }
            domainText = "\(IDNA.toUnicode(quote.domain)) (\(action))"
        }
        let calendar = DisplayCalendar.gregorian
        if let cycle = quote.cycle, quote.priceMinor > 0,
            let next = calendar.date(byAdding: .month, value: cycle.months, to: now)
        {
            renewals.append(
                tr(
                    "checkout.review.renewal_plan",
                    [
                        "name": quote.entry.product.name,
                        "price": Money.format(minor: quote.priceMinor, currency: currency), "cycle": cycle.perLabel,
                        "date": DisplayCalendar.longDate(DisplayCalendar.day(next)),
                    ]))
        }
        if let renewal = quote.domainRenewalMinor, let next = calendar.date(byAdding: .year, value: 1, to: now) {
            renewals.append(
                tr(
                    "checkout.review.renewal_domain",
                    [
                        "domain": quote.domain, "price": Money.format(minor: renewal, currency: currency),
                        "date": DisplayCalendar.longDate(DisplayCalendar.day(next)),
                    ]))
        }
        hasRenewals = !renewals.isEmpty
        self.termsURL = termsURL.isEmpty ? nil : termsURL
        self.acceptedTerms = acceptedTerms
    }
}
