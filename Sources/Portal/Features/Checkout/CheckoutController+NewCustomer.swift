import Foundation
import Hummingbird
import Tenancy

extension CheckoutController {
    /// A new customer's account, made inside checkout: their email, a password and their billing details on the
    /// review page, then the order, in one step. They are signed in at once and land on their order; the address
    /// is confirmed by email afterwards (the order waits for it before it is billed), never by leaving checkout.
    /// Every problem is shown beside its field and nothing is created; an address that already has an account is
    /// told to sign in, with the order's choices kept.
    @Sendable func placeAsNewCustomer(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let slug = context.parameters.get("slug") ?? ""
        let form = try await FormData.parse(request)
        let choice = OrderChoice(
            cycle: form["cycle"], domain: form["domain"], domainAction: form["domain_action"], promoCode: form["promo"])
        let reviewURL = StorefrontPaths.orderReview.link(slug) + "?\(choice.query)"
        let key = form["idempotency_key"]
        guard IdempotencyKey.isWellFormed(key) else { return flows.redirect(to: reviewURL) }
        if let identity = context.identity, identity.isComplete, identity.account.kind == .customer {
            return flows.redirect(to: reviewURL)  // already signed in: the usual review
        }
        let (entry, domains) = try entries(context)
        let brand = try context.content.brand
        guard case .success(let plain) = OrderQuote.make(entry: entry, choice: choice, domainProduct: domains) else {
            return flows.redirect(to: reviewURL)
        }
        // A code that stopped applying since the review sends the visitor back to it, where the reason shows.
        let (quote, promoProblem) = try await desk.priced(plain, promo: choice.promoCode, in: context.tenant)
        if promoProblem != nil { return flows.redirect(to: reviewURL) }
        let realm = desk.realm(context.tenant)
        var newCustomer = NewCustomerForm(email: form.trimmed("email"))
        let profile = ProfileForm(form: form)
        func again(_ notice: String, status: HTTPResponse.Status, errors: [String: String]) async throws -> Response {
            var page = OrderReviewPage(
                quote, currency: brand.currency, choice: choice, chrome: context.chrome, csrf: context.csrfToken,
                signedIn: false, profile: profile, key: key, errors: errors)
            page.promoCode = choice.promoCode
            try await desk.explain(
                &page, quote, currency: brand.currency, brand: brand, acceptedTerms: form["accept_terms"] == "on",
                in: context.tenant)
            page.newCustomer = newCustomer
            page.notice = .error(notice)
            return try flows.page(page, "storefront/order-review", status: status)
        }
        if let wait = flows.ipRetryAfter(realm, origin: context.origin) {
            return AccountFlows.tooMany(
                try await again(
                    tr("checkout.new_customer.too_many"), status: .tooManyRequests, errors: [:]),
                retryAfter: wait)
        }
        var errors = profile.problems()
        let email = EmailAddress.normalize(newCustomer.email)
        if email == nil { errors["email"] = tr("checkout.new_customer.email_invalid") }
        if let problem = flows.services.policy.problem(with: form["password"], email: email) {
            errors["password"] = problem
        }
        if quote.domainAction == .transfer, let problem = CheckoutDesk.transferCodeProblem(form["transfer_code"]) {
            errors["transfer_code"] = problem
        }
        if !brand.termsURL.isEmpty, form["accept_terms"] != "on" {
            errors["terms"] = tr("checkout.place.accept_terms")
        }
        guard let email, errors.isEmpty else {
            return try await again(
                tr("checkout.new_customer.correct_fields"), status: .unprocessableContent, errors: errors)
        }

        let name = "\(profile.firstName) \(profile.lastName)"
        let hash = try await flows.services.hasher.hash(form["password"], brand: realm.throttleScope)
        let (link, token) = flows.oneTimeLink(.verifyEmail, path: StorefrontPaths.verifyEmail.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: email, name: name, .emailVerification, variables: ["link": link], tag: "verify_email")
        let (ip, now, company) = (context.origin.clientAddress ?? "", flows.services.now(), profile.company)
        let account: Account
        do {
            account = try await realm.withAccounts { store in
                // The account, its billing details, its confirmation link and that email commit together.
                try await flows.commit(store, realm: realm) { db in
                    let account = try AccountStore.insertAccount(
                        db, kind: .customer, email: email, name: name, company: company, passwordHash: hash,
                        role: nil, emailVerifiedAt: nil, now: now)
                    try AccountStore.insertToken(db, token(account.id))
                    try AccountStore.insertMail(db, mail, now: now)
                    try profile.profile(for: account.id, now: now).insert(db)
                    try AccountStore.appendAudit(
                        db, "signup", actor: account, target: "", detail: "at checkout", ip: ip, now: now)
                    return account
                }
            }
        } catch AccountError.emailTaken {
            newCustomer.emailTaken = true
            return try await again(
                tr("checkout.new_customer.has_account"),
                status: .conflict, errors: ["email": tr("checkout.new_customer.email_taken")])
        }
        let cookie = try await realm.withAccounts { store in
            try await flows.startSession(
                for: account, secondFactorPending: false, request: request, origin: context.origin, in: store)
        }
        let submission = CheckoutSubmission(
            slug: slug, choice: choice, idempotencyKey: key, quotedTotal: form["quoted_total"], profile: profile,
            transferCode: form["transfer_code"].trimmingCharacters(in: .whitespaces),
            acceptedTerms: form["accept_terms"] == "on")
        switch try await desk.place(submission, by: account, in: context.tenant, ip: ip) {
        case .order(let id): return flows.redirect(to: AccountPaths.order.link(id.rawValue), cookies: [cookie])
        // The price or the choices changed meanwhile: the (now signed-in) customer sees the review again.
        case .choose, .review: return flows.redirect(to: reviewURL, cookies: [cookie])
        }
    }
}

/// The account half of checkout's "new customer" form, kept for showing it again (never the password).
package struct NewCustomerForm: Sendable {
    package var email: String
    /// The address belongs to an account: the form offers signing in.
    package var emailTaken = false
}
