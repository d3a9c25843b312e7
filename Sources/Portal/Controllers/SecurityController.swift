import Foundation
import Hummingbird
import Tenancy

/// `…/security`: change password, change email (re-verified, old address told), list and end sessions.
/// The same page serves customers (`/account/security`) and staff (`/admin/security`).
package struct SecurityController<Context: SignedInContext>: Sendable {
    let basePath: String
    let flows: AccountFlows
    let realm: @Sendable (Context) -> any AccountRealm

    package func addRoutes(to group: RouterGroup<Context>) {
        group.get("\(basePath)/security", use: show)
        group.post("\(basePath)/security/password", use: changePassword)
        group.post("\(basePath)/security/email", use: changeEmail)
        group.post("\(basePath)/security/sessions/end", use: endSession)
        group.post("\(basePath)/security/sessions/end-others", use: endOtherSessions)
    }

    private func page(_ context: Context, notice: Notice? = nil) async throws -> SecurityPage {
        let sessions = try await realm(context).withAccounts { store in
            try await store.sessions(of: context.account.id)
        }
        let rows = sessions.map { session in
            SecurityPage.SessionRow(
                reference: String(session.idHash.prefix(16)),
                device: session.userAgent.isEmpty ? "Unknown device" : String(session.userAgent.prefix(80)),
                ip: session.ip,
                lastSeen: PageDates.format(session.lastSeenAt),
                isCurrent: session.idHash == context.session.idHash
            )
        }
        return SecurityPage(
            chrome: try await realm(context).chrome(), csrf: context.csrfToken, basePath: basePath,
            homePath: basePath.isEmpty ? "/" : basePath,
            logoutPath: basePath == "/admin" ? "/admin/logout" : "/logout", email: context.account.email, sessions: rows, hasOtherSessions: rows.contains { !$0.isCurrent },
            notice: notice
        )
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "password": .success("Your password has been changed and your other sessions have been signed out.")
            case "email": .success("Check your new inbox: the change takes effect when you open the link we sent.")
            case "sessions": .success("The other sessions have been signed out.")
            default: nil
            }
        return try flows.page(try await page(context, notice: notice), "account/security")
    }

    @Sendable func changePassword(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await FormData.parse(&request)
        let account = context.account
        let currentOK = await flows.services.hasher.verify(form["current_password"], against: account.passwordHash)
        let newProblem = flows.services.policy.problem(with: form["new_password"], email: account.email)
        guard currentOK, newProblem == nil else {
            var page = try await page(context, notice: .error("Your password was not changed."))
            page.currentPasswordError = currentOK ? nil : "This is not your current password."
            page.newPasswordError = newProblem
            return try flows.page(page, "account/security", status: .unprocessableContent)
        }
        let hash = try await flows.services.hasher.hash(form["new_password"])
        return try await realm(context).withAccounts { store in
            try await store.setPasswordHash(hash, for: account.id)
            // A privilege change: every session ends and this browser gets a new session id.
            try await store.deleteSessions(of: account.id)
            let cookie = try await flows.startSession(
                for: account, secondFactorPending: false, request: request, origin: context.origin, in: store
            )
            try await store.audit("password.changed", actor: account, ip: context.origin.clientAddress ?? "")
            try await flows.mail(
                store, realm: realm(context), to: account.email, name: account.name, .passwordChanged, tag: "password_changed"
            )
            return flows.redirect(to: "\(basePath)/security?done=password", cookies: [cookie])
        }
    }

    @Sendable func changeEmail(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await FormData.parse(&request)
        let account = context.account
        let newEmail = EmailAddress.normalize(form["new_email"])
        let emailError: String? =
            newEmail == nil ? "Enter an email address such as name@example.com."
            : newEmail == account.email ? "This is already your address." : nil
        let currentOK = await flows.services.hasher.verify(form["current_password"], against: account.passwordHash)
        guard let newEmail, emailError == nil, currentOK else {
            var page = try await page(context, notice: .error("Your email address was not changed."))
            page.emailError = emailError
            page.currentPasswordError = currentOK ? nil : "This is not your current password."
            return try flows.page(page, "account/security", status: .unprocessableContent)
        }
        try await realm(context).withAccounts { store in
            let link = try await flows.issueLink(
                .changeEmail, for: account, path: "/verify-email", newEmail: newEmail, realm: realm(context), store: store
            )
            try await flows.mail(
                store, realm: realm(context), to: newEmail, name: account.name, .emailChangeConfirm,
                variables: ["link": link, "new_email": newEmail], tag: "change_email"
            )
            try await flows.mail(
                store, realm: realm(context), to: account.email, name: account.name, .emailChangeNotice,
                variables: ["new_email": newEmail], tag: "change_email_notice"
            )
            try await store.audit(
                "email.change_requested", actor: account, detail: newEmail, ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: "\(basePath)/security?done=email")
    }

    @Sendable func endSession(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let reference = try await FormData.parse(&request)["session"]
        try await realm(context).withAccounts { store in
            let mine = try await store.sessions(of: context.account.id)
            // Only this account's own sessions can be ended, by the reference shown on its page.
            guard reference.count == 16, let target = mine.first(where: { $0.idHash.hasPrefix(reference) }),
                target.idHash != context.session.idHash
            else { throw PortalError.notFound }
            try await store.deleteSession(idHash: target.idHash)
            try await store.audit("session.ended", actor: context.account, ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: "\(basePath)/security?done=sessions")
    }

    @Sendable func endOtherSessions(_ request: Request, context: Context) async throws -> Response {
        try await realm(context).withAccounts { store in
            let ended = try await store.deleteSessions(of: context.account.id, keeping: context.session.idHash)
            try await store.audit(
                "session.ended_others", actor: context.account, detail: "\(ended)", ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: "\(basePath)/security?done=sessions")
    }
}
