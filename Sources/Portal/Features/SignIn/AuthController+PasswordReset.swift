import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

extension AuthController {
    // MARK: Password reset

    func forgotPage(_ context: Context) async throws -> ForgotPasswordPage {
        ForgotPasswordPage(
            chrome: context.chrome, csrf: context.csrfToken,
            action: area.paths.forgotPassword.link()
        )
    }

    @Sendable func forgotForm(_ request: Request, context: Context) async throws -> Response {
        try flows.page(try await forgotPage(context), "account/forgot")
    }

    @Sendable func forgot(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        var page = try await forgotPage(context)
        page.email = form.trimmed("email")
        if let wait = flows.ipRetryAfter(realm(context), origin: context.origin) {
            page.notice = .error("Too many requests. Try again in \(Self.describe(seconds: wait)).")
            return AccountFlows.tooMany(try flows.page(page, "account/forgot"), retryAfter: wait)
        }
        guard let email = EmailAddress.normalize(page.email) else {
            page.emailError = "Enter an email address such as name@example.com."
            return try flows.page(page, "account/forgot", status: .unprocessableContent)
        }
        let overLimit =
            flows.services.limiter.hit(
                AuthLimits.resetsPerAddress, scope: realm(context).throttleScope, key: "reset:\(area.kind):\(email)",
                now: flows.services.now()
            ) != nil
        if !overLimit {
            let realm = realm(context)
            let (ip, now) = (context.origin.clientAddress ?? "", flows.services.now())
            try await realm.withAccounts { store in
                guard let account = try await store.account(kind: area.kind, email: email) else { return }
                let (link, token) = flows.oneTimeLink(
                    .resetPassword, path: area.paths.resetPassword.link(), realm: realm)
                let mail = try await flows.prepareMail(
                    realm: realm, to: email, name: account.name, .passwordReset, variables: ["link": link],
                    tag: "reset_password"
                )
                try await flows.commit(store, realm: realm) { db in
                    try AccountStore.insertToken(db, token(account.id))
                    try AccountStore.insertMail(db, mail, now: now)
                    try AccountStore.appendAudit(
                        db, "password.reset_requested", actor: account, target: "", detail: "", ip: ip, now: now)
                }
            }
        }
        // The same answer whether or not the address has an account (and whether or not it was throttled).
        page.notice = .success("If \(email) has an account, we have sent it a link to reset the password.")
        page.email = ""
        return try flows.page(page, "account/forgot")
    }

    func resetPage(_ context: Context, token: String, invite: Bool) async throws -> ResetPasswordPage {
        ResetPasswordPage(
            chrome: context.chrome, csrf: context.csrfToken,
            heading: invite ? "Set up your staff account" : "Choose a new password",
            action: invite ? area.paths.acceptInvite.link() : area.paths.resetPassword.link(),
            token: token, askName: invite
        )
    }

    func invalidLink(_ context: Context) async throws -> Response {
        try flows.page(
            MessagePage(
                chrome: context.chrome, title: "Link expired",
                message: AccountError.invalidToken.description,
                linkURL: area.paths.forgotPassword.link(), linkLabel: "Ask for a new link"
            ),
            "account/message", status: .gone
        )
    }

    @Sendable func resetForm(_ request: Request, context: Context) async throws -> Response {
        try await tokenForm(request, context: context, purpose: .resetPassword)
    }

    @Sendable func inviteForm(_ request: Request, context: Context) async throws -> Response {
        try await tokenForm(request, context: context, purpose: .invite)
    }

    func tokenForm(_ request: Request, context: Context, purpose: AccountToken.Purpose) async throws
        -> Response
    {
        let token = request.uri.queryParameters.get("token") ?? ""
        let valid = try await realm(context).withAccounts { store in
            guard
                let stored = try await store.peekToken(
                    hash: SecureToken.hash(token), purpose: purpose, now: flows.services.now()),
                let account = try await store.account(stored.accountID)
            else { return false }
            return account.kind == area.kind
        }
        guard valid else { return try await invalidLink(context) }
        return try flows.page(try await resetPage(context, token: token, invite: purpose == .invite), "account/reset")
    }

    @Sendable func reset(_ request: Request, context: Context) async throws -> Response {
        try await completeToken(request, context: context, purpose: .resetPassword)
    }

    @Sendable func acceptInvite(_ request: Request, context: Context) async throws -> Response {
        try await completeToken(request, context: context, purpose: .invite)
    }

    /// Sets a password through a reset or invitation link; the link is used up only when the form is valid.
    func completeToken(_ request: Request, context: Context, purpose: AccountToken.Purpose)
        async throws -> Response
    {
        let form = try await FormData.parse(request)
        let token = form["token"]
        let invite = purpose == .invite
        var page = try await resetPage(context, token: token, invite: invite)
        page.name = form.trimmed("name")

        let pending = try await realm(context).withAccounts { store -> Account? in
            guard
                let stored = try await store.peekToken(
                    hash: SecureToken.hash(token), purpose: purpose, now: flows.services.now())
            else { return nil }
            return try await store.account(stored.accountID)
        }
        guard let pending, pending.kind == area.kind else { return try await invalidLink(context) }
        page.passwordError = flows.services.policy.problem(with: form["password"], email: pending.email)
        if invite && (page.name.isEmpty || page.name.count > 100) {
            page.nameError = "Enter your name (up to 100 characters)."
        }
        guard page.passwordError == nil, page.nameError == nil else {
            return try flows.page(page, "account/reset", status: .unprocessableContent)
        }
        let hash = try await flows.services.hasher.hash(form["password"])
        return try await realm(context).withAccounts { store in
            let used: AccountToken
            do {
                used = try await store.consumeToken(
                    hash: SecureToken.hash(token), purpose: purpose, now: flows.services.now())
            } catch AccountError.invalidToken {
                return try await invalidLink(context)
            }
            try await store.setPasswordHash(hash, for: used.accountID)
            try await store.deleteSessions(of: used.accountID)
            if invite {
                try await store.setName(page.name, for: used.accountID)
                try await store.markEmailVerified(used.accountID, newEmail: nil, now: flows.services.now())
            }
            try await store.audit(
                invite ? "staff.invite_accepted" : "password.reset", actor: pending,
                ip: context.origin.clientAddress ?? ""
            )
            return flows.redirect(to: area.paths.login.link() + "?reset=1")
        }
    }

}
