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
        /// This area's sign-in pages.
        var paths: SignInPaths {
            switch self {
            case .customer: .customer
            case .staff: .staff
            case .platform: .platform
            }
        }
    }

    let area: Area
    let flows: AccountFlows
    let realm: @Sendable (Context) -> any AccountRealm

    package func addRoutes(to group: RouterGroup<Context>) {
        group.get(area.paths.login.route, use: loginForm)
        group.post(area.paths.login.route, use: login)
        group.post(area.paths.logout.route, use: logout)
        group.get(area.paths.loginTwoFactor.route, use: challengeForm)
        group.post(area.paths.loginTwoFactor.route, use: challenge)
        group.get(area.paths.forgotPassword.route, use: forgotForm)
        group.post(area.paths.forgotPassword.route, use: forgot)
        group.get(area.paths.resetPassword.route, use: resetForm)
        group.post(area.paths.resetPassword.route, use: reset)
        if area != .staff {
            // Staff confirm a new address on the tenant's /verify-email, which serves every kind of account.
            group.get(StorefrontPaths.verifyEmail.route, use: verifyEmail)
        }
        if area == .customer {
            group.get(StorefrontPaths.signup.route, use: signupForm)
            group.post(StorefrontPaths.signup.route, use: signup)
        } else {
            group.get(area.paths.acceptInvite.route, use: inviteForm)
            group.post(area.paths.acceptInvite.route, use: acceptInvite)
        }
    }

    // MARK: Sign in and out

    func loginPage(_ context: Context) async throws -> LoginPage {
        LoginPage(
            chrome: context.chrome,
            csrf: context.csrfToken,
            heading: area == .customer ? "Sign in" : area == .staff ? "Staff sign in" : "Platform sign in",
            action: area.paths.login.link(),
            forgotURL: area.paths.forgotPassword.link(),
            offerSignUp: area == .customer
        )
    }

    @Sendable func loginForm(_ request: Request, context: Context) async throws -> Response {
        if let identity = context.identity, identity.isComplete, identity.account.kind == area.kind {
            return flows.redirect(to: area.paths.home.link())
        }
        var page = try await loginPage(context)
        page.next = AccountFlows.safeNext(request.uri.queryParameters.get("next") ?? "", default: "")
        if request.uri.queryParameters.get("reset") == "1" {
            page.notice = .success("Your password has been changed. Sign in with the new one.")
        }
        return try flows.page(page, "account/login")
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        var page = try await loginPage(context)
        page.email = form.trimmed("email")
        page.next = AccountFlows.safeNext(form["next"], default: "")
        let now = flows.services.now()
        let email = EmailAddress.normalize(form["email"]) ?? form.trimmed("email").lowercased()

        if let wait = flows.ipRetryAfter(realm(context), origin: context.origin)
            ?? flows.throttle.retryAfter(
                scope: realm(context).throttleScope, account: "\(area.kind):\(email)", now: now)
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
            let destination = page.next.isEmpty ? area.paths.home.link() : page.next
            if pending {
                try await store.audit("login.password_ok", actor: account, ip: context.origin.clientAddress ?? "")
                let next = destination.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                return flows.redirect(to: area.paths.loginTwoFactor.link() + "?next=\(next)", cookies: cookies)
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
        return flows.redirect(
            to: area == .customer ? StorefrontPaths.home.link() : area.paths.login.link(),
            cookies: [SessionCookie.clear(SessionCookie.session)])
    }

    static func describe(seconds: Int) -> String {
        seconds < 90 ? "\(seconds) seconds" : "\((seconds + 59) / 60) minutes"
    }
}
