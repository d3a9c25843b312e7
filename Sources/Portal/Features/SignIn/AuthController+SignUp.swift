import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

extension AuthController {
    // MARK: Sign up and verification

    @Sendable func signupForm(_ request: Request, context: Context) async throws -> Response {
        var page = SignupPage(chrome: context.chrome, csrf: context.csrfToken)
        page.next = AccountFlows.safeNext(request.uri.queryParameters.get("next") ?? "", default: "")
        return try flows.page(page, "account/signup")
    }

    @Sendable func signup(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        var page = SignupPage(chrome: context.chrome, csrf: context.csrfToken)
        page.name = form.trimmed("name")
        page.email = form.trimmed("email")
        page.company = form.trimmed("company")
        page.next = AccountFlows.safeNext(form["next"], default: "")
        if let wait = flows.ipRetryAfter(realm(context), origin: context.origin) {
            page.notice = .error(tr("signin.too_many_requests", ["wait": Self.describe(seconds: wait)]))
            return AccountFlows.tooMany(try flows.page(page, "account/signup"), retryAfter: wait)
        }
        let email = EmailAddress.normalize(page.email)
        if page.name.isEmpty { page.nameError = tr("signin.signup.name_missing") }
        if page.name.count > 100 { page.nameError = tr("signin.signup.too_long") }
        if page.name.contains(where: \.isNewline) { page.nameError = tr("signin.signup.name_one_line") }
        if email == nil { page.emailError = tr("signin.email.invalid") }
        if page.company.count > 100 { page.companyError = tr("signin.signup.too_long") }
        page.passwordError = flows.services.policy.problem(with: form["password"], email: email)
        guard let email, page.nameError == nil, page.companyError == nil, page.passwordError == nil else {
            page.notice = .error(tr("signin.signup.correct_fields"))
            return try flows.page(page, "account/signup", status: .unprocessableContent)
        }

        let hash = try await flows.services.hasher.hash(form["password"], brand: realm(context).throttleScope)
        let realm = realm(context)
        let (link, token) = flows.oneTimeLink(.verifyEmail, path: StorefrontPaths.verifyEmail.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: email, name: page.name, .emailVerification, variables: ["link": link], tag: "verify_email"
        )
        let (name, company, ip, now) = (
            page.name, page.company, context.origin.clientAddress ?? "", flows.services.now()
        )
        try await realm.withAccounts { store in
            do {
                // The account, its confirmation link and the email that carries it commit together or not at all.
                try await flows.commit(store, realm: realm) { db in
                    let account = try AccountStore.insertAccount(
                        db, kind: .customer, email: email, name: name, company: company, passwordHash: hash, role: nil,
                        emailVerifiedAt: nil, now: now
                    )
                    try AccountStore.insertToken(db, token(account.id))
                    try AccountStore.insertMail(db, mail, now: now)
                    try AccountStore.appendAudit(db, "signup", actor: account, target: "", detail: "", ip: ip, now: now)
                }
            } catch AccountError.emailTaken {
                // Same answer as a new sign-up, so the form does not reveal who has an account;
                // the owner of the address learns what happened by email.
                let existing = try await store.account(kind: .customer, email: email)
                try await flows.mail(
                    store, realm: realm, to: email, name: existing?.name ?? "", .accountExists,
                    variables: [
                        "link": flows.services.link(
                            primaryHost: realm.linkHost, path: SignInPaths.customer.forgotPassword.link())
                    ],
                    tag: "signup_existing"
                )
            }
        }
        return try flows.page(
            MessagePage(
                chrome: page.chrome, title: tr("signin.signup.check_inbox"),
                message: tr("signin.signup.link_sent", ["email": email]),
                linkURL: SignInPaths.customer.login.link()
                    + (page.next.isEmpty ? "" : "?next=\(QueryComponent.encode(page.next))"),
                linkLabel: tr("signin.signup.go_to_sign_in")
            ),
            "account/message"
        )
    }

    @Sendable func verifyEmail(_ request: Request, context: Context) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        let chrome = context.chrome
        let outcome: (String, String, Account.Kind?) = try await realm(context).withAccounts { store in
            let hash = SecureToken.hash(token)
            let purpose: AccountToken.Purpose =
                try await store.peekToken(hash: hash, purpose: .changeEmail, now: flows.services.now()) != nil
                ? .changeEmail : .verifyEmail
            do {
                let used = try await store.consumeToken(hash: hash, purpose: purpose, now: flows.services.now())
                try await store.markEmailVerified(used.accountID, newEmail: used.newEmail, now: flows.services.now())
                if purpose == .changeEmail { try await store.deleteSessions(of: used.accountID) }
                let account = try await store.account(used.accountID)
                try await store.audit(
                    purpose == .changeEmail ? "email.changed" : "email.verified", actor: account,
                    detail: used.newEmail ?? "", ip: context.origin.clientAddress ?? ""
                )
                return purpose == .changeEmail
                    ? (
                        tr("signin.verify.changed_title"),
                        tr("signin.verify.changed", ["email": used.newEmail ?? ""]),
                        account?.kind
                    )
                    : (tr("signin.verify.confirmed_title"), tr("signin.verify.confirmed"), account?.kind)
            } catch AccountError.invalidToken {
                return (tr("signin.link.expired_title"), tr("signin.link.invalid"), nil)
            } catch AccountError.emailTaken {
                return (tr("signin.verify.taken_title"), tr("signin.verify.taken"), nil)
            }
        }
        return try flows.page(
            MessagePage(
                chrome: chrome, title: outcome.0, message: outcome.1,
                // The sign-in page of whoever confirmed: staff changing their address sign in to the staff area.
                linkURL: (outcome.2 == .staff ? SignInPaths.staff : area.paths).login.link(),
                linkLabel: tr("signin.sign_in")),
            "account/message"
        )
    }

}
