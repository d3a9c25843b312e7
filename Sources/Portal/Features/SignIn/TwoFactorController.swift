import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// Two-factor enrolment and management: TOTP with a server-drawn QR code and ten recovery codes.
package struct TwoFactorController<Context: SignedInContext>: Sendable {
    /// The area's sign-in pages (customer, staff or platform).
    let paths: SignInPaths
    let flows: AccountFlows
    let realm: @Sendable (Context) -> any AccountRealm
    /// Whether this account may turn two-factor off (staff may not while the tenant requires it).
    let mayDisable: @Sendable (Context) -> Bool

    package func addRoutes(to group: RouterGroup<Context>) {
        group.get(paths.twoFactor.route, use: show)
        group.post(paths.twoFactor.route, use: enable)
        group.post(paths.twoFactorDisable.route, use: disable)
        group.post(paths.twoFactorRecoveryCodes.route, use: renewCodes)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        try await render(context)
    }

    private func render(_ context: Context, codeError: String? = nil, notice: Notice? = nil) async throws -> Response {
        let chrome = context.chrome
        return try await realm(context).withAccounts { store in
            guard let account = try await store.account(context.account.id) else { throw PortalError.notFound }
            if account.hasSecondFactor {
                let page = TwoFactorStatusPage(
                    chrome: chrome, csrf: context.csrfToken, basePath: paths.securityBase,
                    remainingCodes: try await store.unusedRecoveryCodes(for: account.id),
                    canDisable: mayDisable(context), notice: notice
                )
                return try flows.page(
                    page, "account/two-factor-status", status: codeError == nil ? .ok : .unprocessableContent)
            }
            // A new secret each time the page is shown until one is confirmed.
            let secret = TOTP.generateSecret()
            try await store.setPendingTOTP(
                try AccountFlows.TOTPSealing.seal(secret, for: account.id, secrets: flows.services.secrets),
                for: account.id)
            let uri = TOTP.provisioningURI(secret: secret, account: account.email, issuer: realm(context).displayName)
            let encoded = Base32.encode(secret)
            let groups = stride(from: 0, to: encoded.count, by: 4).map { offset in
                let start = encoded.index(encoded.startIndex, offsetBy: offset)
                return String(
                    encoded[
                        start..<(encoded.index(start, offsetBy: 4, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
            }.joined(separator: " ")
            let page = TwoFactorSetupPage(
                chrome: chrome, csrf: context.csrfToken, basePath: paths.securityBase,
                qrSVG: try QRCode(encoding: uri).svg(title: tr("signin.two_factor.qr_title")),
                secretGroups: groups, required: !mayDisable(context), codeError: codeError
            )
            return try flows.page(
                page, "account/two-factor-setup", status: codeError == nil ? .ok : .unprocessableContent)
        }
    }

    @Sendable func enable(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        let chrome = context.chrome
        let outcome: Response? = try await realm(context).withAccounts { store -> Response? in
            guard let account = try await store.account(context.account.id), !account.hasSecondFactor,
                let pending = account.totpPendingSecret
            else { return nil }
            let secret = try flows.services.secrets.openBytes(
                pending, context: AccountFlows.TOTPSealing.context(account.id))
            guard let step = TOTP.matchingStep(form["code"], secret: secret, at: flows.services.now(), lastUsedStep: 0)
            else { return nil }
            let codes = RecoveryCodes.generate()
            try await store.enableTOTP(
                pending, step: step, recoveryCodeHashes: codes.map(RecoveryCodes.hash), for: account.id
            )
            // A privilege change: other sessions end, this one continues under a new id.
            try await store.deleteSessions(of: account.id)
            let cookie = try await flows.startSession(
                for: account, secondFactorPending: false, request: request, origin: context.origin, in: store
            )
            try await store.audit("2fa.enabled", actor: account, ip: context.origin.clientAddress ?? "")
            var response = try flows.page(
                RecoveryCodesPage(chrome: chrome, basePath: paths.securityBase, codes: codes),
                "account/recovery-codes")
            response.headers.append(HTTPField(name: .setCookie, value: cookie))
            return response
        }
        if let outcome { return outcome }
        return try await render(
            context, codeError: tr("signin.two_factor.setup_code_refused"))
    }

    @Sendable func disable(_ request: Request, context: Context) async throws -> Response {
        guard mayDisable(context) else { throw AccessError.forbidden }
        let form = try await FormData.parse(request)
        let account = context.account
        switch await flows.checkCurrentPassword(
            form["current_password"], of: account, realm: realm(context), origin: context.origin)
        {
        case .right: break
        case .wrong:
            return try await render(context, codeError: "", notice: .error(tr("signin.security.wrong_current")))
        case .throttled(let wait):
            return AccountFlows.tooMany(
                try await render(
                    context, codeError: "",
                    notice: .error(
                        tr("signin.security.too_many_wrong", ["wait": trCount("signin.wait.seconds", wait)]))),
                retryAfter: wait)
        }
        return try await realm(context).withAccounts { store in
            guard let fresh = try await store.account(account.id),
                try await flows.checkSecondFactor(form["code"], for: fresh, in: store) != .invalid
            else {
                return try await render(context, codeError: "", notice: .error(tr("signin.two_factor.code_mismatch")))
            }
            try await store.disableTOTP(for: account.id)
            try await store.audit("2fa.disabled", actor: account, ip: context.origin.clientAddress ?? "")
            return flows.redirect(to: paths.security.link())
        }
    }

    @Sendable func renewCodes(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        let account = context.account
        guard account.hasSecondFactor else {
            return try await render(context, codeError: "", notice: .error(tr("signin.two_factor.not_on")))
        }
        switch await flows.checkCurrentPassword(
            form["current_password"], of: account, realm: realm(context), origin: context.origin)
        {
        case .right: break
        case .wrong:
            return try await render(context, codeError: "", notice: .error(tr("signin.security.wrong_current")))
        case .throttled(let wait):
            return AccountFlows.tooMany(
                try await render(
                    context, codeError: "",
                    notice: .error(
                        tr("signin.security.too_many_wrong", ["wait": trCount("signin.wait.seconds", wait)]))),
                retryAfter: wait)
        }
        let codes = RecoveryCodes.generate()
        try await realm(context).withAccounts { store in
            try await store.replaceRecoveryCodes(codes.map(RecoveryCodes.hash), for: account.id)
            try await store.audit("2fa.recovery_codes_renewed", actor: account, ip: context.origin.clientAddress ?? "")
        }
        return try flows.page(
            RecoveryCodesPage(chrome: context.chrome, basePath: paths.securityBase, codes: codes),
            "account/recovery-codes"
        )
    }
}
