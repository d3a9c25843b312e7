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
    var desk: SignInDesk { SignInDesk(flows: flows) }
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
            heading: area == .customer
                ? tr("signin.sign_in")
                : area == .staff ? tr("signin.login.heading_staff") : tr("signin.login.heading_platform"),
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
            page.notice = .success(tr("signin.login.password_changed"))
        }
        return try flows.page(page, "account/login")
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        var page = try await loginPage(context)
        page.email = form.trimmed("email")
        page.next = AccountFlows.safeNext(form["next"], default: "")
        let outcome = try await desk.signIn(
            area.kind, email: form["email"], password: form["password"],
            replacing: SessionCookie.value(SessionCookie.session, in: request),
            userAgent: request.headers[.userAgent] ?? "", origin: context.origin, in: realm(context))
        switch outcome {
        case .throttled(let wait):
            page.notice = .error(tr("signin.login.throttled", ["wait": Self.describe(seconds: wait)]))
            return AccountFlows.tooMany(try flows.page(page, "account/login"), retryAfter: wait)
        case .refused:
            page.notice = .error(tr("signin.login.refused"))
            return try flows.page(page, "account/login", status: .unauthorized)
        case .signedIn(let cookie, let secondFactorPending):
            let destination = page.next.isEmpty ? area.paths.home.link() : page.next
            guard secondFactorPending else { return flows.redirect(to: destination, cookies: [cookie]) }
            let next = destination.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return flows.redirect(to: area.paths.loginTwoFactor.link() + "?next=\(next)", cookies: [cookie])
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

    /// A wait in words, in the reader's language: "30 seconds", "5 minutes".
    static func describe(seconds: Int) -> String {
        seconds < 90 ? trCount("signin.wait.seconds", seconds) : trCount("signin.wait.minutes", (seconds + 59) / 60)
    }
}
