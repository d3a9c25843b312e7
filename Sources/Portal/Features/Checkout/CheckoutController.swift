import Foundation
import Hummingbird
import Tenancy

/// The customer's path from a product to an order: configure → review (sign in or up) → place → the order page.
package struct CheckoutController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let desk: CheckoutDesk

    /// Configure and review: anyone may look; the review asks strangers to sign in.
    package func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(StorefrontPaths.order.route, use: configure)
        group.get(StorefrontPaths.orderReview.route, use: review)
        group.post(StorefrontPaths.orderNewCustomer.route, use: placeAsNewCustomer)
    }

    package func addCustomerRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.post(StorefrontPaths.order.route, use: place)
        group.get(AccountPaths.orders.route, use: orders)
        group.get(AccountPaths.order.route, use: order)
    }

    // MARK: Configure and review

    /// The product `slug` names (orderable), and the brand's orderable domain product.
    func entries(_ context: TenantRequestContext) throws -> (CatalogueEntry, CatalogueEntry?) {
        let catalogue = try context.content.catalogue
        guard let entry = catalogue.entry(slug: context.parameters.get("slug") ?? ""), entry.product.isOrderable
        else { throw PortalError.notFound }
        let domains = catalogue.entries.first { $0.product.kind == .domain && $0.product.isOrderable }
        return (entry, domains)
    }

    @Sendable func configure(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let (entry, domains) = try entries(context)
        let currency = try context.content.brand.currency
        return try flows.page(
            OrderConfigurePage(
                entry, currency: currency, chrome: context.chrome, choice: Self.choice(request), domains: domains),
            "storefront/order")
    }

    @Sendable func review(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let (entry, domains) = try entries(context)
        let currency = try context.content.brand.currency
        let choice = Self.choice(request)
        switch OrderQuote.make(entry: entry, choice: choice, domainProduct: domains) {
        case .failure(let problems):
            var page = OrderConfigurePage(
                entry, currency: currency, chrome: context.chrome, choice: choice, errors: problems.fields,
                domains: domains)
            page.notice = .error(tr("checkout.place.correct_choices"))
            return try flows.page(page, "storefront/order", status: .unprocessableContent)
        case .success(let plain):
            let customer = context.identity.flatMap { $0.isComplete && $0.account.kind == .customer ? $0.account : nil }
            var profile = ProfileForm()
            if let customer { profile = try await savedProfile(of: customer, in: context.tenant) }
            let (quote, promoProblem) = try await desk.priced(plain, promo: choice.promoCode, in: context.tenant)
            var accepted = choice
            if promoProblem != nil { accepted.promoCode = "" }
            var page = OrderReviewPage(
                quote, currency: currency, choice: accepted, chrome: context.chrome, csrf: context.csrfToken,
                signedIn: customer != nil, profile: profile, key: SecureToken.generate(),
                errors: promoProblem.map { ["promo_code": $0] } ?? [:])
            page.promoCode = choice.promoCode
            if customer == nil { page.newCustomer = NewCustomerForm(email: "") }
            try await desk.explain(
                &page, quote, currency: currency, brand: try context.content.brand, acceptedTerms: false,
                in: context.tenant)
            return try flows.page(
                page, "storefront/order-review", status: promoProblem == nil ? .ok : .unprocessableContent)
        }
    }

    /// The customer's saved billing details, or what their account already says about them.
    func savedProfile(of customer: Account, in tenant: Tenant) async throws -> ProfileForm {
        if let stored = try await databases.withDatabase(for: tenant, { try await $0.orders.profile(of: customer.id) })
        {
            return ProfileForm(stored)
        }
        var profile = ProfileForm()
        let parts = customer.name.split(separator: " ", maxSplits: 1).map(String.init)
        profile.firstName = parts.first ?? ""
        profile.lastName = parts.count > 1 ? parts[1] : ""
        profile.company = customer.company
        return profile
    }

    // MARK: Place

    @Sendable func place(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let slug = context.parameters.get("slug") ?? ""
        let form = try await FormData.parse(request)
        let choice = OrderChoice(
            cycle: form["cycle"], domain: form["domain"], domainAction: form["domain_action"], promoCode: form["promo"])
        let key = form["idempotency_key"]
        guard IdempotencyKey.isWellFormed(key) else {
            return flows.redirect(to: StorefrontPaths.orderReview.link(slug) + "?\(choice.query)")
        }
        let submission = CheckoutSubmission(
            slug: slug, choice: choice, idempotencyKey: key, quotedTotal: form["quoted_total"],
            profile: ProfileForm(form: form), transferCode: form["transfer_code"].trimmingCharacters(in: .whitespaces),
            acceptedTerms: form["accept_terms"] == "on")
        switch try await desk.place(
            submission, by: context.account, in: context.tenant, ip: context.origin.clientAddress ?? "")
        {
        case .order(let id):
            return flows.redirect(to: AccountPaths.order.link(id.rawValue))
        case .choose(let entry, let currency, let problems, let notice):
            let domains = try context.content.catalogue.entries.first {
                $0.product.kind == .domain && $0.product.isOrderable
            }
            var page = OrderConfigurePage(
                entry, currency: currency, chrome: context.chrome, choice: choice, errors: problems, domains: domains)
            page.notice = .error(notice)
            return try flows.page(page, "storefront/order", status: .unprocessableContent)
        case .review(let quote, let currency, let problems, let notice, let conflict):
            var shown = choice
            if problems["promo_code"] != nil { shown.promoCode = "" }
            var page = OrderReviewPage(
                quote, currency: currency, choice: shown, chrome: context.chrome, csrf: context.csrfToken,
                signedIn: true, profile: submission.profile, key: key, errors: problems)
            page.promoCode = choice.promoCode
            try await desk.explain(
                &page, quote, currency: currency, brand: try context.content.brand,
                acceptedTerms: submission.acceptedTerms, in: context.tenant)
            page.notice = .error(notice)
            return try flows.page(
                page, "storefront/order-review", status: conflict ? .conflict : .unprocessableContent)
        }
    }

    /// What the order page says: a change of a service reads differently from a purchase once it is done.
    static func message(_ order: Order) -> String {
        switch (order.change, order.status) {
        case (.cancel?, .active):
            order.cancelImmediately
                ? tr("checkout.order.cancel_done")
                : tr("checkout.order.cancel_booked")
        case (.upgrade?, .active): tr("checkout.order.upgrade_done")
        default: order.status.customerMessage
        }
    }

    static func choice(_ request: Request) -> OrderChoice {
        let query = request.uri.queryParameters
        return OrderChoice(
            cycle: query.get("cycle") ?? "", domain: query.get("domain") ?? "",
            domainAction: query.get("domain_action") ?? "", promoCode: query.get("promo") ?? ""
        )
    }

}
