import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

extension AuthController {
    // MARK: Second factor at sign-in

    func pendingIdentity(_ context: Context) -> SignedIn? {
        guard let identity = context.identity, !identity.isComplete, identity.account.kind == area.kind else {
            return nil
        }
        return identity
    }

    func challengePage(_ context: Context, next: String) async throws -> TwoFactorChallengePage {
        let query =
            next.isEmpty ? "" : "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return TwoFactorChallengePage(
            chrome: context.chrome, csrf: context.csrfToken,
            action: area.paths.loginTwoFactor.link() + "\(query)"
        )
    }

    @Sendable func challengeForm(_ request: Request, context: Context) async throws -> Response {
        guard pendingIdentity(context) != nil else { return flows.redirect(to: area.paths.login.link()) }
        let next = AccountFlows.safeNext(request.uri.queryParameters.get("next") ?? "", default: "")
        return try flows.page(try await challengePage(context, next: next), "account/two-factor-challenge")
    }

    @Sendable func challenge(_ request: Request, context: Context) async throws -> Response {
        guard let identity = pendingIdentity(context) else { return flows.redirect(to: area.paths.login.link()) }
        let form = try await FormData.parse(request)
        let next = AccountFlows.safeNext(request.uri.queryParameters.get("next") ?? "", default: area.paths.home.link())
        var page = try await challengePage(context, next: next == area.paths.home.link() ? "" : next)
        let account = identity.account
        let attempt = LoginThrottle.Attempt(
            scope: realm(context).throttleScope, account: "2fa:\(area.kind):\(account.email)",
            address: ClientKey.forAddress(context.origin.clientAddress))
        let now = flows.services.now()
        if let wait = flows.throttle.retryAfter(attempt, now: now) {
            page.notice = .error(tr("signin.two_factor.throttled", ["wait": Self.describe(seconds: wait)]))
            return AccountFlows.tooMany(try flows.page(page, "account/two-factor-challenge"), retryAfter: wait)
        }
        return try await realm(context).withAccounts { store in
            let result = try await flows.checkSecondFactor(form["code"], for: account, in: store)
            guard result != .invalid else {
                flows.throttle.recordFailure(attempt, now: now)
                try await store.audit(
                    "login.second_factor_failed", actor: account, ip: context.origin.clientAddress ?? ""
                )
                page.notice = .error(tr("signin.two_factor.code_refused"))
                return try flows.page(page, "account/two-factor-challenge", status: .unauthorized)
            }
            flows.throttle.recordSuccess(attempt)
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

}
