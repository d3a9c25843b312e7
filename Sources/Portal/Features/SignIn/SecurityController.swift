import Foundation
import Hummingbird
import Tenancy

/// `…/security`: change password, change email (re-verified, old address told), list and end sessions.
/// The same page serves customers (`/account/security`) and staff (`/admin/security`).
package struct SecurityController<Context: SignedInContext>: Sendable {
    /// The area's sign-in pages (customer, staff or platform).
    let paths: SignInPaths
    let flows: AccountFlows
    let realm: @Sendable (Context) -> any AccountRealm

    package func addRoutes(to group: RouterGroup<Context>) {
        group.get(paths.security.route, use: show)
        group.post(paths.securityPassword.route, use: changePassword)
        group.post(paths.securityEmail.route, use: changeEmail)
        group.post(paths.endSession.route, use: endSession)
        group.post(paths.endOtherSessions.route, use: endOtherSessions)
    }

    private func page(_ context: Context, notice: Notice? = nil) async throws -> SecurityPage {
        let sessions = try await realm(context).withAccounts { store in
            try await store.sessions(of: context.account.id)
        }
        let rows = sessions.map { session in
            SecurityPage.SessionRow(
                reference: String(session.idHash.prefix(16)),
                device: session.userAgent.isEmpty
                    ? tr("signin.security.unknown_device") : String(session.userAgent.prefix(80)),
                ip: session.ip,
                lastSeen: PageDates.format(session.lastSeenAt),
                isCurrent: session.idHash == context.session.idHash
            )
        }
        return SecurityPage(
            chrome: context.chrome, csrf: context.csrfToken, basePath: paths.securityBase,
            homePath: paths.home.link(), logoutPath: paths.logout.link(), email: context.account.email,
            sessions: rows, hasOtherSessions: rows.contains { !$0.isCurrent },
            notice: notice
        )
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "password": .success(tr("signin.security.password_changed"))
            case "email": .success(tr("signin.security.email_requested"))
            case "sessions": .success(tr("signin.security.sessions_ended"))
            default: nil
            }
        return try flows.page(try await page(context, notice: notice), "account/security")
    }

    /// 429 with Retry-After: too many wrong current passwords.
    private func tooMany(_ context: Context, _ wait: Int) async throws -> Response {
        var page = try await page(
            context,
            notice: .error(
                tr("signin.security.too_many_wrong", ["wait": trCount("signin.wait.seconds", wait)])))
        page.currentPasswordError = tr("signin.security.wait", ["wait": trCount("signin.wait.seconds", wait)])
        return AccountFlows.tooMany(
            try flows.page(page, "account/security", status: .tooManyRequests), retryAfter: wait)
    }

    @Sendable func changePassword(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        let account = context.account
        let check = await flows.checkCurrentPassword(
            form["current_password"], of: account, realm: realm(context), origin: context.origin)
        if case .throttled(let wait) = check { return try await tooMany(context, wait) }
        let currentOK = check == .right
        let newProblem = flows.services.policy.problem(with: form["new_password"], email: account.email)
        guard currentOK, newProblem == nil else {
            var page = try await page(context, notice: .error(tr("signin.security.password_unchanged")))
            page.currentPasswordError = currentOK ? nil : tr("signin.security.wrong_current")
            page.newPasswordError = newProblem
            return try flows.page(page, "account/security", status: .unprocessableContent)
        }
        let hash = try await flows.services.hasher.hash(form["new_password"], brand: realm(context).throttleScope)
        let realm = realm(context)
        let mail = try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .passwordChanged, tag: "password_changed")
        let (ip, now) = (context.origin.clientAddress ?? "", flows.services.now())
        return try await realm.withAccounts { store in
            // A privilege change: every session ends (this browser gets a new one below), and the notice goes out
            // with the change.
            try await flows.commit(store, realm: realm) { db in
                try AccountStore.updatePasswordHash(db, hash, for: account.id)
                try AccountStore.removeSessions(db, of: account.id)
                try AccountStore.insertMail(db, mail, now: now)
                try AccountStore.appendAudit(
                    db, "password.changed", actor: account, target: "", detail: "", ip: ip, now: now)
            }
            let cookie = try await flows.startSession(
                for: account, secondFactorPending: false, request: request, origin: context.origin, in: store
            )
            return flows.redirect(to: paths.security.link() + "?done=password", cookies: [cookie])
        }
    }

    @Sendable func changeEmail(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormData.parse(request)
        let account = context.account
        let newEmail = EmailAddress.normalize(form["new_email"])
        let emailError: String? =
            newEmail == nil
            ? tr("signin.email.invalid")
            : newEmail == account.email ? tr("signin.security.same_email") : nil
        let check = await flows.checkCurrentPassword(
            form["current_password"], of: account, realm: realm(context), origin: context.origin)
        if case .throttled(let wait) = check { return try await tooMany(context, wait) }
        let currentOK = check == .right
        guard let newEmail, emailError == nil, currentOK else {
            var page = try await page(context, notice: .error(tr("signin.security.email_unchanged")))
            page.emailError = emailError
            page.currentPasswordError = currentOK ? nil : tr("signin.security.wrong_current")
            return try flows.page(page, "account/security", status: .unprocessableContent)
        }
        let realm = realm(context)
        let (link, token) = flows.oneTimeLink(
            .changeEmail, path: StorefrontPaths.verifyEmail.link(), newEmail: newEmail, realm: realm)
        let confirm = try await flows.prepareMail(
            realm: realm, to: newEmail, name: account.name, .emailChangeConfirm,
            variables: ["link": link, "new_email": newEmail],
            tag: "change_email"
        )
        let notice = try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .emailChangeNotice, variables: ["new_email": newEmail],
            tag: "change_email_notice"
        )
        let (ip, now) = (context.origin.clientAddress ?? "", flows.services.now())
        try await realm.withAccounts { store in
            try await flows.commit(store, realm: realm) { db in
                try AccountStore.insertToken(db, token(account.id))
                try AccountStore.insertMail(db, confirm, now: now)
                try AccountStore.insertMail(db, notice, now: now)
                try AccountStore.appendAudit(
                    db, "email.change_requested", actor: account, target: "", detail: newEmail, ip: ip, now: now)
            }
        }
        return flows.redirect(to: paths.security.link() + "?done=email")
    }

    @Sendable func endSession(_ request: Request, context: Context) async throws -> Response {
        let reference = try await FormData.parse(request)["session"]
        try await realm(context).withAccounts { store in
            let mine = try await store.sessions(of: context.account.id)
            // Only this account's own sessions can be ended, by the reference shown on its page.
            guard reference.count == 16, let target = mine.first(where: { $0.idHash.hasPrefix(reference) }),
                target.idHash != context.session.idHash
            else { throw PortalError.notFound }
            try await store.deleteSession(idHash: target.idHash)
            try await store.audit("session.ended", actor: context.account, ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: paths.security.link() + "?done=sessions")
    }

    @Sendable func endOtherSessions(_ request: Request, context: Context) async throws -> Response {
        try await realm(context).withAccounts { store in
            let ended = try await store.deleteSessions(of: context.account.id, keeping: context.session.idHash)
            try await store.audit(
                "session.ended_others", actor: context.account, detail: "\(ended)",
                ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: paths.security.link() + "?done=sessions")
    }
}
