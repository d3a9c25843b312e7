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
            page.notice = .error(tr("signin.too_many_requests", ["wait": Self.describe(seconds: wait)]))
            return AccountFlows.tooMany(try flows.page(page, "account/forgot"), retryAfter: wait)
        }
        guard
            let email = try await desk.requestReset(
                area.kind, email: page.email, resetPath: area.paths.resetPassword.link(),
                ip: context.origin.clientAddress ?? "", in: realm(context))
        else {
            page.emailError = tr("signin.email.invalid")
            return try flows.page(page, "account/forgot", status: .unprocessableContent)
        }
        // The same answer whether or not the address has an account (and whether or not it was throttled).
        page.notice = .success(tr("signin.forgot.sent", ["email": email]))
        page.email = ""
        return try flows.page(page, "account/forgot")
    }

    func resetPage(_ context: Context, token: String, invite: Bool) async throws -> ResetPasswordPage {
        ResetPasswordPage(
            chrome: context.chrome, csrf: context.csrfToken,
            heading: invite
                ? (area.kind == .platform
                    ? tr("signin.reset.heading_platform_invite") : tr("signin.reset.heading_staff_invite"))
                : tr("signin.reset.heading"),
            action: invite ? area.paths.acceptInvite.link() : area.paths.resetPassword.link(),
            token: token, askName: invite,
            passwordLabel: invite ? tr("signin.reset.password_label_invite") : tr("signin.reset.password_label")
        )
    }

    func invalidLink(_ context: Context) async throws -> Response {
        try flows.page(
            MessagePage(
                chrome: context.chrome, title: tr("signin.link.expired_title"),
                message: tr("signin.link.invalid"),
                linkURL: area.paths.forgotPassword.link(), linkLabel: tr("signin.link.ask_new")
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
        let valid = try await desk.linkHolder(token, purpose: purpose, kind: area.kind, in: realm(context)) != nil
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

        switch try await desk.useLink(
            token, purpose: purpose, kind: area.kind, password: form["password"], name: page.name,
            ip: context.origin.clientAddress ?? "", in: realm(context))
        {
        case .invalidLink:
            return try await invalidLink(context)
        case .rejected(let passwordError, let nameError):
            (page.passwordError, page.nameError) = (passwordError, nameError)
            return try flows.page(page, "account/reset", status: .unprocessableContent)
        case .done:
            return flows.redirect(to: area.paths.login.link() + "?reset=1")
        }
    }

}
