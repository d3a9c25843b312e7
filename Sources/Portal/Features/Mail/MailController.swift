import Foundation
import Hummingbird
import NIOCore
import Tenancy

/// `/admin/mail` (owner and admin): the tenant's outbox; retry failed mail and cancel queued mail. One-time links
/// (`token=…`) are never shown: whoever could read them could take over the account they were sent for.
package struct MailController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (StaffRequestContext) -> any AccountRealm
    let databases: TenantDatabases
    let queue: MailQueue
    let relayConfigured: Bool

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.mail.route, use: list)
        group.get(AdminPaths.mailMessage.route, use: detail)
        group.get(AdminPaths.mailMessageHTML.route, use: html)
        group.post(AdminPaths.mailRetry.route, use: retry)
        group.post(AdminPaths.mailCancel.route, use: cancel)
    }

    private static let statuses: [(String, String)] = [
        ("", "All"), ("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed"), ("captured", "Captured"),
        ("cancelled", "Cancelled"),
    ]

    /// Replaces the value of every `token=` in a message body, so one-time links cannot be used from this page.
    static func redacted(_ body: String) -> String {
        body.replacing(/token=[A-Za-z0-9_\-%.~]+/, with: "token=[hidden]")
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let filter = request.uri.queryParameters.get("status") ?? ""
        let wanted = OutboxMail.Status(rawValue: filter)
        let mails = try await databases.withDatabase(for: context.tenant) { try await $0.mail.recent(limit: 200) }
            .filter { wanted == nil || $0.status == wanted }
        let rows = mails.map {
            MailListPage.Row(
                id: $0.id, at: PageDates.format($0.createdAt), to: $0.toAddress, subject: $0.subject,
                status: $0.status.rawValue,
                attempts: $0.attempts, lastError: $0.lastError
            )
        }
        let ownRelay = try await realm(context).withAccounts { try await TenantMailSettings.load(from: $0) }.relayURL
        let page = MailListPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: nil,
            relayConfigured: relayConfigured || !ownRelay.isEmpty,
            filters: Self.statuses.map { .init(value: $0.0, label: $0.1, selected: $0.0 == (wanted?.rawValue ?? "")) },
            rows: rows, isEmpty: rows.isEmpty
        )
        return try flows.page(page, "admin/mail")
    }

    private func message(_ context: StaffRequestContext) async throws -> OutboxMail {
        guard let raw = context.parameters.get("id"), let id = Int64(raw),
            let mail = try await databases.withDatabase(for: context.tenant, { try await $0.mail.message(id) })
        else { throw PortalError.notFound }
        return mail
    }

    @Sendable func detail(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        var mail = try await message(context)
        mail.textBody = Self.redacted(mail.textBody)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "retry": .success("Queued again; it will be sent in a moment.")
            case "cancel": .success("Cancelled; it will not be sent.")
            default: nil
            }
        let page = MailDetailPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, mail: mail,
            canManage: context.role >= .admin
        )
        return try flows.page(page, "admin/mail-message")
    }

    /// The HTML part for the detail page's frame: sandboxed, no scripts, inline styles allowed.
    @Sendable func html(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let mail = try await message(context)
        guard let html = mail.htmlBody.map(Self.redacted) else { throw PortalError.notFound }
        return SandboxedHTML.response(html)
    }

    @Sendable func retry(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let mail = try await message(context)
        try await queue.willQueue(.tenant(context.tenant.id))
        let requeued = try await databases.withDatabase(for: context.tenant) { database in
            try await database.mail.requeue(mail.id, now: Date())
        }
        guard requeued else { return flows.redirect(to: AdminPaths.mailMessage.link(mail.id)) }
        queue.notify(.tenant(context.tenant.id))
        try await realm(context).withAccounts { store in
            try await store.audit(
                "mail.retried", actor: context.staff, target: mail.toAddress, detail: mail.subject,
                ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: AdminPaths.mailMessage.link(mail.id) + "?done=retry")
    }

    @Sendable func cancel(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let mail = try await message(context)
        let cancelled = try await databases.withDatabase(for: context.tenant) { try await $0.mail.cancel(mail.id) }
        guard cancelled else { return flows.redirect(to: AdminPaths.mailMessage.link(mail.id)) }
        try await realm(context).withAccounts { store in
            try await store.audit(
                "mail.cancelled", actor: context.staff, target: mail.toAddress, detail: mail.subject,
                ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: AdminPaths.mailMessage.link(mail.id) + "?done=cancel")
    }
}
