import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// Sign-in, sign-up, sign-out and password reset, for customers (`/login` …) and staff (`/admin/login` …).
package struct AuthController<Context: AccountAreaContext>: Sendable {
    /// Which kind of account an instance serves, and where its pages live.
    package enum Area: Sendable {
        case customer, staff, platform

        var kind: Account.Kind {
            switch self {
            case .customer: .customer
            case .staff: .staff
            case .platform: .platform
            }
        }
        var prefix: String { self == .staff ? "/admin" : "" }
        var home: String {
            switch self {
            case .customer: "/account"
            case .staff: "/admin"
            case .platform: "/"
            }
        }
    }

    let area: Area
    let flows: AccountFlows
    let realm: @Sendable (Context) -> any AccountRealm

    package func addRoutes(to group: RouterGroup<Context>) {
        let prefix = area.prefix
        group.get("\(prefix)/login", use: loginForm)
        group.post("\(prefix)/login", use: login)
        group.post("\(prefix)/logout", use: logout)
        group.get("\(prefix)/login/two-factor", use: challengeForm)
        group.post("\(prefix)/login/two-factor", use: challenge)
        group.get("\(prefix)/forgot-password", use: forgotForm)
        group.post("\(prefix)/forgot-password", use: forgot)
        group.get("\(prefix)/reset-password", use: resetForm)
        group.post("\(prefix)/reset-password", use: reset)
        if area != .staff {
            // Staff confirm a new address on the tenant's /verify-email, which serves every kind of account.
            group.get("/verify-email", use: verifyEmail)
        }
        if area == .customer {
            group.get("/signup", use: signupForm)
            group.post("/signup", use: signup)
        } else {
            group.get("\(prefix)/accept-invite", use: inviteForm)
            group.post("\(prefix)/accept-invite", use: acceptInvite)
        }
    }

    // MARK: Sign in and out

    private func loginPage(_ context: Context) async throws -> LoginPage {
        LoginPage(
            chrome: try await realm(context).chrome(),
            csrf: context.csrfToken,
            heading: area == .customer ? "Sign in" : area == .staff ? "Staff sign in" : "Platform sign in",
            action: "\(area.prefix)/login",
            forgotURL: "\(area.prefix)/forgot-password",
            offerSignUp: area == .customer
        )
    }

    @Sendable func loginForm(_ request: Request, context: Context) async throws -> Response {
        if let identity = context.identity, identity.isComplete, identity.account.kind == area.kind {
            return flows.redirect(to: area.home)
        }
        var page = try await loginPage(context)
        page.next = AccountFlows.safeNext(request.uri.queryParameters.get("next") ?? "", default: "")
        if request.uri.queryParameters.get("reset") == "1" {
            page.notice = .success("Your password has been changed. Sign in with the new one.")
        }
        return try flows.page(page, "account/login")
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await FormData.parse(&request)
        var page = try await loginPage(context)
        page.email = form.trimmed("email")
        page.next = AccountFlows.safeNext(form["next"], default: "")
        let now = flows.services.now()
        let email = EmailAddress.normalize(form["email"]) ?? form.trimmed("email").lowercased()

        if let wait = flows.ipRetryAfter(realm(context), origin: context.origin)
            ?? flows.throttle.retryAfter(scope: realm(context).throttleScope, account: "\(area.kind):\(email)", now: now)
        {
            page.notice = .error("Too many sign-in attempts. Try again in \(Self.describe(seconds: wait)).")
            return AccountFlows.tooMany(try flows.page(page, "account/login"), retryAfter: wait)
        }

        return try await realm(context).withAccounts { store in
            let account = try await store.account(kind: area.kind, email: email)
            let verified = await flows.services.hasher.verify(form["password"], against: account?.passwordHash)
            guard let account, verified else {
                let lockedFor = flows.throttle.recordFailure(
                    scope: realm(context).throttleScope, account: "\(area.kind):\(email)", now: now
                )
                try await store.audit(
                    lockedFor == nil ? "login.failed" : "login.locked", actor: account, target: email,
                    detail: "\(area.kind)", ip: context.origin.clientAddress ?? ""
                )
                page.notice = .error("The email address or password is not right.")
                return try flows.page(page, "account/login", status: .unauthorized)
            }
            flows.throttle.recordSuccess(scope: realm(context).throttleScope, account: "\(area.kind):\(email)")
            if let stored = account.passwordHash, flows.services.hasher.needsRehash(stored) {
                try await store.setPasswordHash(try await flows.services.hasher.hash(form["password"]), for: account.id)
            }
            var cookies: [String] = []
            if let old = SessionCookie.value(SessionCookie.session, in: request) {
                try await store.deleteSession(idHash: SecureToken.hash(old))
            }
            let pending = account.hasSecondFactor
            cookies.append(
                try await flows.startSession(
                    for: account, secondFactorPending: pending, request: request, origin: context.origin, in: store
                )
            )
            let destination = page.next.isEmpty ? area.home : page.next
            if pending {
                try await store.audit("login.password_ok", actor: account, ip: context.origin.clientAddress ?? "")
                let next = destination.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                return flows.redirect(to: "\(area.prefix)/login/two-factor?next=\(next)", cookies: cookies)
            }
            try await store.audit("login", actor: account, ip: context.origin.clientAddress ?? "")
            return flows.redirect(to: destination, cookies: cookies)
        }
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        if let token = SessionCookie.value(SessionCookie.session, in: request) {
            try await realm(context).withAccounts { store in
                try await store.deleteSession(idHash: SecureToken.hash(token))
                if let account = context.identity?.account {
                    try await store.audit("logout", actor: account, ip: context.origin.clientAddress ?? "")
                }
            }
        }
        return flows.redirect(to: area == .customer ? "/" : "\(area.prefix)/login", cookies: [SessionCookie.clear(SessionCookie.session)])
    }

    // MARK: Second factor at sign-in

    private func pendingIdentity(_ context: Context) -> SignedIn? {
        guard let identity = context.identity, !identity.isComplete, identity.account.kind == area.kind else { return nil }
        return identity
    }

    private func challengePage(_ context: Context, next: String) async throws -> TwoFactorChallengePage {
        let query = next.isEmpty ? "" : "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return TwoFactorChallengePage(
            chrome: try await realm(context).chrome(), csrf: context.csrfToken,
            action: "\(area.prefix)/login/two-factor\(query)"
        )
    }

    @Sendable func challengeForm(_ request: Request, context: Context) async throws -> Response {
        guard pendingIdentity(context) != nil else { return flows.redirect(to: "\(area.prefix)/login") }
        let next = AccountFlows.safeNext(request.uri.queryParameters.get("next") ?? "", default: "")
        return try flows.page(try await challengePage(context, next: next), "account/two-factor-challenge")
    }

    @Sendable func challenge(_ request: Request, context: Context) async throws -> Response {
        guard let identity = pendingIdentity(context) else { return flows.redirect(to: "\(area.prefix)/login") }
        var request = request
        let form = try await FormData.parse(&request)
        let next = AccountFlows.safeNext(request.uri.queryParameters.get("next") ?? "", default: area.home)
        var page = try await challengePage(context, next: next == area.home ? "" : next)
        let account = identity.account
        let throttleKey = "2fa:\(area.kind):\(account.email)"
        let now = flows.services.now()
        if let wait = flows.throttle.retryAfter(scope: realm(context).throttleScope, account: throttleKey, now: now) {
            page.notice = .error("Too many attempts. Try again in \(Self.describe(seconds: wait)).")
            return AccountFlows.tooMany(try flows.page(page, "account/two-factor-challenge"), retryAfter: wait)
        }
        return try await realm(context).withAccounts { store in
            let result = try await flows.checkSecondFactor(form["code"], for: account, in: store)
            guard result != .invalid else {
                flows.throttle.recordFailure(scope: realm(context).throttleScope, account: throttleKey, now: now)
                try await store.audit(
                    "login.second_factor_failed", actor: account, ip: context.origin.clientAddress ?? ""
                )
                page.notice = .error("That code did not work. Use the newest code from your app, or a recovery code.")
                return try flows.page(page, "account/two-factor-challenge", status: .unauthorized)
            }
            flows.throttle.recordSuccess(scope: realm(context).throttleScope, account: throttleKey)
            try await store.deleteSession(idHash: identity.session.idHash)
            let cookie = try await flows.startSession(
                for: account, secondFactorPending: false, request: request, origin: context.origin, in: store
            )
            if result == .recoveryCode {
                try await store.audit("2fa.recovery_code_used", actor: account, ip: context.origin.clientAddress ?? "")
            }
            try await store.audit("login", actor: account, detail: "two-factor", ip: context.origin.clientAddress ?? "")
            return flows.redirect(to: next, cookies: [cookie])
        }
    }

    // MARK: Sign up and verification

    @Sendable func signupForm(_ request: Request, context: Context) async throws -> Response {
        try flows.page(SignupPage(chrome: try await realm(context).chrome(), csrf: context.csrfToken), "account/signup")
    }

    @Sendable func signup(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await FormData.parse(&request)
        var page = SignupPage(chrome: try await realm(context).chrome(), csrf: context.csrfToken)
        page.name = form.trimmed("name")
        page.email = form.trimmed("email")
        page.company = form.trimmed("company")
        if let wait = flows.ipRetryAfter(realm(context), origin: context.origin) {
            page.notice = .error("Too many requests. Try again in \(Self.describe(seconds: wait)).")
            return AccountFlows.tooMany(try flows.page(page, "account/signup"), retryAfter: wait)
        }
        let email = EmailAddress.normalize(page.email)
        if page.name.isEmpty { page.nameError = "Enter your name." }
        if page.name.count > 100 { page.nameError = "Use at most 100 characters." }
        if email == nil { page.emailError = "Enter an email address such as name@example.com." }
        if page.company.count > 100 { page.companyError = "Use at most 100 characters." }
        page.passwordError = flows.services.policy.problem(with: form["password"], email: email)
        guard let email, page.nameError == nil, page.companyError == nil, page.passwordError == nil else {
            page.notice = .error("Please correct the marked fields.")
            return try flows.page(page, "account/signup", status: .unprocessableContent)
        }

        let hash = try await flows.services.hasher.hash(form["password"])
        try await realm(context).withAccounts { store in
            do {
                let account = try await store.createAccount(
                    kind: .customer, email: email, name: page.name, company: page.company, passwordHash: hash
                )
                let link = try await flows.issueLink(.verifyEmail, for: account, path: "/verify-email", realm: realm(context), store: store)
                try await flows.mail(store, realm: realm(context), to: email, subject: "Confirm your email address",
                    body: "Welcome, \(page.name)!\n\nConfirm your email address by opening this link within 30 minutes:\n\(link)",
                    kind: "verify_email"
                )
                try await store.audit("signup", actor: account, ip: context.origin.clientAddress ?? "")
            } catch AccountError.emailTaken {
                // Same answer as a new sign-up, so the form does not reveal who has an account;
                // the owner of the address learns what happened by email.
                try await flows.mail(store, realm: realm(context), to: email, subject: "You already have an account",
                    body: "Someone (perhaps you) tried to sign up with this address, which already has an account.\n"
                        + "If you forgot your password, use \"Forgot password\" on the sign-in page.",
                    kind: "signup_existing"
                )
            }
        }
        return try flows.page(
            MessagePage(
                chrome: page.chrome, title: "Check your inbox",
                message: "We have sent a link to \(email). Open it within 30 minutes to confirm your address, then sign in.",
                linkURL: "/login", linkLabel: "Go to sign in"
            ),
            "account/message"
        )
    }

    @Sendable func verifyEmail(_ request: Request, context: Context) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        let chrome = try await realm(context).chrome()
        let outcome: (String, String) = try await realm(context).withAccounts { store in
            let hash = SecureToken.hash(token)
            let purpose: AccountToken.Purpose =
                try await store.peekToken(hash: hash, purpose: .changeEmail, now: flows.services.now()) != nil ? .changeEmail : .verifyEmail
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
                    ? ("Email address changed", "Your account now uses \(used.newEmail ?? ""). Sign in with it.")
                    : ("Email address confirmed", "Thank you. You can now sign in.")
            } catch AccountError.invalidToken {
                return ("Link expired", AccountError.invalidToken.description)
            } catch AccountError.emailTaken {
                return ("Address already in use", "Another account already uses that address; nothing was changed.")
            }
        }
        return try flows.page(
            MessagePage(chrome: chrome, title: outcome.0, message: outcome.1, linkURL: "/login", linkLabel: "Sign in"),
            "account/message"
        )
    }

    // MARK: Password reset

    private func forgotPage(_ context: Context) async throws -> ForgotPasswordPage {
        ForgotPasswordPage(
            chrome: try await realm(context).chrome(), csrf: context.csrfToken,
            action: "\(area.prefix)/forgot-password"
        )
    }

    @Sendable func forgotForm(_ request: Request, context: Context) async throws -> Response {
        try flows.page(try await forgotPage(context), "account/forgot")
    }

    @Sendable func forgot(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await FormData.parse(&request)
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
        let overLimit = flows.services.limiter.hit(
            AuthLimits.resetsPerAddress, scope: realm(context).throttleScope, key: "reset:\(area.kind):\(email)"
        ) != nil
        if !overLimit {
            try await realm(context).withAccounts { store in
                guard let account = try await store.account(kind: area.kind, email: email) else { return }
                let link = try await flows.issueLink(
                    .resetPassword, for: account, path: "\(area.prefix)/reset-password", realm: realm(context), store: store
                )
                try await flows.mail(store, realm: realm(context), to: email, subject: "Reset your password",
                    body: "Someone asked to reset the password of this account. If it was you, open this link "
                        + "within 30 minutes:\n\(link)\n\nIf it was not you, ignore this email; nothing has changed.",
                    kind: "reset_password"
                )
                try await store.audit("password.reset_requested", actor: account, ip: context.origin.clientAddress ?? "")
            }
        }
        // The same answer whether or not the address has an account (and whether or not it was throttled).
        page.notice = .success("If \(email) has an account, we have sent it a link to reset the password.")
        page.email = ""
        return try flows.page(page, "account/forgot")
    }

    private func resetPage(_ context: Context, token: String, invite: Bool) async throws -> ResetPasswordPage {
        ResetPasswordPage(
            chrome: try await realm(context).chrome(), csrf: context.csrfToken,
            heading: invite ? "Set up your staff account" : "Choose a new password",
            action: invite ? "\(area.prefix)/accept-invite" : "\(area.prefix)/reset-password",
            token: token, askName: invite
        )
    }

    private func invalidLink(_ context: Context) async throws -> Response {
        try flows.page(
            MessagePage(
                chrome: try await realm(context).chrome(), title: "Link expired",
                message: AccountError.invalidToken.description,
                linkURL: "\(area.prefix)/forgot-password", linkLabel: "Ask for a new link"
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

    private func tokenForm(_ request: Request, context: Context, purpose: AccountToken.Purpose) async throws
        -> Response
    {
        let token = request.uri.queryParameters.get("token") ?? ""
        let valid = try await realm(context).withAccounts { store in
            guard let stored = try await store.peekToken(hash: SecureToken.hash(token), purpose: purpose, now: flows.services.now()),
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
    private func completeToken(_ request: Request, context: Context, purpose: AccountToken.Purpose)
        async throws -> Response
    {
        var request = request
        let form = try await FormData.parse(&request)
        let token = form["token"]
        let invite = purpose == .invite
        var page = try await resetPage(context, token: token, invite: invite)
        page.name = form.trimmed("name")

        let pending = try await realm(context).withAccounts { store -> Account? in
            guard let stored = try await store.peekToken(hash: SecureToken.hash(token), purpose: purpose, now: flows.services.now())
            else { return nil }
            return try await store.account(stored.accountID)
        }
        guard let pending, pending.kind == area.kind else { return try await invalidLink(context) }
        page.passwordError = flows.services.policy.problem(with: form["password"], email: pending.email)
        if invite && (page.name.isEmpty || page.name.count > 100) { page.nameError = "Enter your name (up to 100 characters)." }
        guard page.passwordError == nil, page.nameError == nil else {
            return try flows.page(page, "account/reset", status: .unprocessableContent)
        }
        let hash = try await flows.services.hasher.hash(form["password"])
        return try await realm(context).withAccounts { store in
            let used: AccountToken
            do {
                used = try await store.consumeToken(hash: SecureToken.hash(token), purpose: purpose, now: flows.services.now())
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
                invite ? "staff.invite_accepted" : "password.reset", actor: pending, ip: context.origin.clientAddress ?? ""
            )
            return flows.redirect(to: "\(area.prefix)/login?reset=1")
        }
    }

    static func describe(seconds: Int) -> String {
        seconds < 90 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes"
    }
}
