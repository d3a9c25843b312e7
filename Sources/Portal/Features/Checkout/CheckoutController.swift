import Foundation
import Hummingbird
import Tenancy

/// The customer's path from a product to an order: configure → review (sign in or up) → place → the order page.
package struct CheckoutController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let databases: TenantDatabases
    let queue: OrderQueue
    /// Seals a transfer's authorisation code for the pipeline.
    let upstreams: TenantUpstreams

    /// Configure and review: anyone may look; the review asks strangers to sign in.
    package func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(StorefrontPaths.order.route, use: configure)
        group.get(StorefrontPaths.orderReview.route, use: review)
    }

    package func addCustomerRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.post(StorefrontPaths.order.route, use: place)
        group.get(AccountPaths.orders.route, use: orders)
        group.get(AccountPaths.order.route, use: order)
    }

    // MARK: Configure and review

    /// The product `slug` names, the brand's orderable domain product, the currency and the page chrome.
    func entries(_ context: TenantRequestContext, slug: String) throws -> (
        CatalogueEntry, CatalogueEntry?, String, StorefrontChrome
    ) {
        let catalogue = try context.content.catalogue
        guard let entry = catalogue.entry(slug: slug) else { throw PortalError.notFound }
        let domains = catalogue.entries.first { $0.product.kind == .domain && $0.product.isOrderable }
        return (entry, domains, try context.content.brand.currency, context.chrome)
    }

    func configurePage(
        entry: CatalogueEntry, currency: String, chrome: StorefrontChrome, choice: OrderChoice, errors: [String: String]
    ) -> OrderConfigurePage {
        let product = entry.product
        let only = entry.prices.count == 1
        let actions: [(Order.DomainAction, String)] =
            product.kind == .domain
            ? [(.register, "Register it"), (.transfer, "Transfer it from another registrar")]
            : product.kind.isHosting
                ? [
                    (.register, "Register a new domain"), (.transfer, "Transfer a domain to us"),
                    (.existing, "Use a domain I already own"),
                ]
                : []
        let defaultAction =
            choice.domainAction.isEmpty ? (product.kind == .domain ? "register" : "existing") : choice.domainAction
        return OrderConfigurePage(
            chrome: chrome, slug: product.slug, name: product.name, summary: product.summary,
            kindLabel: product.kind.label,
            cycles: entry.prices.map {
                .init(
                    value: $0.cycle.rawValue, label: $0.cycle.label,
                    price: Money.format(minor: $0.priceMinor, currency: currency),
                    setup: Money.format(minor: $0.setupMinor, currency: currency), hasSetup: $0.setupMinor > 0,
                    checked: only || $0.cycle.rawValue == choice.cycle
                )
            },
            hasCycles: product.kind != .domain, asksDomain: true, domainOptional: product.kind == .cloudServer,
            domainLabel: product.kind == .ssl
                ? "Domain to secure" : product.kind == .cloudServer ? "Server name (optional)" : "Domain name",
            domain: choice.domain,
            actions: actions.map { .init(value: $0.0.rawValue, label: $0.1, checked: $0.0.rawValue == defaultAction) },
            hasActions: !actions.isEmpty, errors: errors
        )
    }

    @Sendable func configure(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let (entry, _, currency, chrome) = try entries(context, slug: context.parameters.get("slug") ?? "")
        guard entry.product.isOrderable else { throw PortalError.notFound }
        let choice = Self.choice(request)
        return try flows.page(
            configurePage(entry: entry, currency: currency, chrome: chrome, choice: choice, errors: [:]),
            "storefront/order")
    }

    @Sendable func review(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let (entry, domains, currency, chrome) = try entries(
            context, slug: context.parameters.get("slug") ?? "")
        guard entry.product.isOrderable else { throw PortalError.notFound }
        let choice = Self.choice(request)
        switch OrderQuote.make(entry: entry, choice: choice, domainProduct: domains) {
        case .failure(let problems):
            var page = configurePage(
                entry: entry, currency: currency, chrome: chrome, choice: choice, errors: problems.fields)
            page.notice = .error("Please correct the marked choices.")
            return try flows.page(page, "storefront/order", status: .unprocessableContent)
        case .success(let quote):
            let customer = context.identity.flatMap { $0.isComplete && $0.account.kind == .customer ? $0.account : nil }
            var profile = ProfileForm()
            if let customer,
                let stored = try await databases.withDatabase(
                    for: context.tenant, { try await $0.orders.profile(of: customer.id) })
            {
                profile = ProfileForm(stored)
            } else if let customer {
                let parts = customer.name.split(separator: " ", maxSplits: 1).map(String.init)
                profile.firstName = parts.first ?? ""
                profile.lastName = parts.count > 1 ? parts[1] : ""
                profile.company = customer.company
            }
            return try flows.page(
                reviewPage(
                    context: context, chrome: chrome, quote: quote, currency: currency, choice: choice,
                    signedIn: customer != nil,
                    profile: profile, key: SecureToken.generate(), errors: [:]),
                "storefront/order-review"
            )
        }
    }

    func reviewPage(
        context: some SignedInOrAnonymous, chrome: StorefrontChrome, quote: OrderQuote, currency: String,
        choice: OrderChoice,
        signedIn: Bool, profile: ProfileForm, key: String, errors: [String: String]
    ) -> OrderReviewPage {
        let slug = quote.entry.product.slug
        let here = StorefrontPaths.orderReview.link(slug) + "?\(choice.query)"
        let next = QueryComponent.encode(here)
        return OrderReviewPage(
            chrome: chrome, csrf: context.csrfToken, slug: slug, name: quote.entry.product.name,
            lines: quote.lines.map {
                .init(label: $0.label, amount: Money.format(minor: $0.amountMinor, currency: currency))
            },
            total: Money.format(minor: quote.totalMinor, currency: currency), cycle: choice.cycle, domain: quote.domain,
            domainAction: quote.domainAction?.rawValue ?? "",
            changeURL: StorefrontPaths.order.link(slug) + "?\(choice.query)",
            signedIn: signedIn,
            signInURL: SignInPaths.customer.login.link() + "?next=\(next)",
            signUpURL: StorefrontPaths.signup.link() + "?next=\(next)", idempotencyKey: key,
            quotedTotal: String(quote.totalMinor), profile: profile, errors: errors,
            isTransfer: quote.domainAction == .transfer
        )
    }

    // MARK: Place

    @Sendable func place(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let slug = context.parameters.get("slug") ?? ""
        let chrome = context.chrome
        // Read from the database, not the page cache: the price charged is the catalogue's at this moment.
        let (stored, domains, currency) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.catalogue.entry(slug: slug),
                try await database.catalogue.entries([.visible, .hidden]).first { $0.product.kind == .domain },
                try await database.storefront().brand.currency
            )
        }
        guard let entry = stored, entry.product.visibility != .retired else { throw PortalError.notFound }
        var request = request
        let form = try await FormData.parse(&request)
        let choice = OrderChoice(cycle: form["cycle"], domain: form["domain"], domainAction: form["domain_action"])
        let key = form["idempotency_key"]
        guard key.count >= 20, key.count <= 64,
            key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            return flows.redirect(to: StorefrontPaths.orderReview.link(slug) + "?\(choice.query)")
        }
        let customer = context.account
        // A replayed submission finds its order before anything is checked again.
        if let existing = try await databases.withDatabase(
            for: context.tenant, { try await $0.orders.order(idempotencyKey: key, of: customer.id) })
        {
            return flows.redirect(to: AccountPaths.order.link(existing.id!.rawValue))
        }
        let quote: OrderQuote
        switch OrderQuote.make(entry: entry, choice: choice, domainProduct: domains) {
        case .failure(let problems):
            var page = configurePage(
                entry: entry, currency: currency, chrome: chrome, choice: choice, errors: problems.fields)
            page.notice = .error("Something changed since you chose: please check your choices again.")
            return try flows.page(page, "storefront/order", status: .unprocessableContent)
        case .success(let made):
            quote = made
        }
        if quote.entry.product.kind.isHosting,
            try await databases.withDatabase(
                for: context.tenant, { try await $0.orders.hasHosting(customer.id, domain: quote.domain) })
        {
            var page = configurePage(
                entry: entry, currency: currency, chrome: chrome, choice: choice,
                errors: [
                    "domain":
                        "You already have hosting for \(quote.domain). Choose another domain, or contact us to change your plan."
                ]
            )
            page.notice = .error("Please correct the marked choices.")
            return try flows.page(page, "storefront/order", status: .unprocessableContent)
        }
        if form["quoted_total"] != String(quote.totalMinor) {
            var page = reviewPage(
                context: context, chrome: chrome, quote: quote, currency: currency, choice: choice, signedIn: true,
                profile: ProfileForm(form: form), key: key, errors: [:]
            )
            page.notice = .error(
                "The price changed while you were ordering. Please check the new total and place the order again.")
            return try flows.page(page, "storefront/order-review", status: .conflict)
        }
        let profileForm = ProfileForm(form: form)
        var problems = profileForm.problems()
        let transferCode = form["transfer_code"].trimmingCharacters(in: .whitespaces)
        if quote.domainAction == .transfer, let problem = Self.transferCodeProblem(transferCode) {
            problems["transfer_code"] = problem
        }
        guard problems.isEmpty else {
            var page = reviewPage(
                context: context, chrome: chrome, quote: quote, currency: currency, choice: choice, signedIn: true,
                profile: profileForm,
                key: key, errors: problems
            )
            page.notice = .error(
                problems.count == 1 && problems["transfer_code"] != nil
                    ? "Please enter the transfer code." : "Please complete your billing details.")
            return try flows.page(page, "storefront/order-review", status: .unprocessableContent)
        }
        let now = flows.services.now()
        let realm = realm(context.tenant)
        let placement = OrderPlacement(databases: databases, queue: queue, mailQueue: flows.mailQueue)
        let placed = try await placement.place(
            in: context.tenant, mailbox: realm.mailbox, actor: customer, ip: context.origin.clientAddress ?? "",
            now: now
        ) { number in
            var order = Order(
                accountID: customer.id, number: number, idempotencyKey: key, entry: entry, cycle: quote.cycle,
                domain: quote.domain,
                domainAction: quote.domainAction, currency: currency, priceMinor: quote.priceMinor,
                setupMinor: quote.setupMinor,
                domainMinor: quote.domainMinor, now: now
            )
            if quote.domainAction == .transfer {
                order.transferCode = try upstreams.seal(transferCode, context.tenant, TenantUpstreams.transferCodeField)
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
            return (order, profileForm.profile(for: customer.id, now: now), mail)
        }
        let id = placed.id!
        return flows.redirect(to: AccountPaths.order.link(id.rawValue))
    }

    /// A transfer's authorisation (EPP) code: 4 to 64 visible characters, as registries issue them.
    static func transferCodeProblem(_ code: String) -> String? {
        if code.isEmpty { return "Enter the transfer authorisation (EPP) code from the domain's current registrar." }
        guard (4...64).contains(code.count),
            code.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
        else {
            return "That is not a transfer code: 4 to 64 letters, digits and symbols, without spaces."
        }
        return nil
    }

    /// What the order page says: a change of a service reads differently from a purchase once it is done.
    static func message(_ order: Order) -> String {
        switch (order.change, order.status) {
        case (.cancel?, .active):
            order.cancelImmediately
                ? "Your cancellation is done: the service has ended."
                : "Your cancellation is booked: the service runs until the end of the term you paid for, then stops."
        case (.upgrade?, .active): "Your service now runs on the new plan."
        default: order.status.customerMessage
        }
    }

    static func choice(_ request: Request) -> OrderChoice {
        let query = request.uri.queryParameters
        return OrderChoice(
            cycle: query.get("cycle") ?? "", domain: query.get("domain") ?? "",
            domainAction: query.get("domain_action") ?? ""
        )
    }

}

/// The parts of a request context the review page needs, signed in or not.
protocol SignedInOrAnonymous {
    var csrfToken: String { get }
}

extension TenantRequestContext: SignedInOrAnonymous {}
extension CustomerRequestContext: SignedInOrAnonymous {}
