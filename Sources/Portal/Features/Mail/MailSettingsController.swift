import Foundation
import Hummingbird
import Integrations
import Tenancy

/// `/admin/mail/settings` (owner): the brand's own SMTP relay (optional; the platform's is used otherwise), with a
/// "send a test" button, and the brand's time zone for reminders.
package struct MailSettingsController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (StaffRequestContext) -> any AccountRealm
    let secrets: SecretBox
    let sender: SMTPSender
    /// Whether the brand's relay may be on this machine: only a sandbox brand on a `--sandbox-upstreams` server.
    let upstreams: TenantUpstreams

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.mailSettings.route, use: show)
        group.post(AdminPaths.mailSettings.route, use: save)
        group.post(AdminPaths.mailSettingsTest.route, use: sendTest)
    }

    private func page(_ context: StaffRequestContext, settings: TenantMailSettings, notice: Notice? = nil) async throws
        -> MailSettingsPage
    {
        MailSettingsPage(settings, notice: notice, context: context)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let settings = try await realm(context).withAccounts { try await TenantMailSettings.load(from: $0) }
        let notice: Notice? =
            request.uri.queryParameters.get("done") == "saved" ? .success("Mail settings saved.") : nil
        return try flows.page(try await page(context, settings: settings, notice: notice), "admin/mail-settings")
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        let stored = try await realm(context).withAccounts { try await TenantMailSettings.load(from: $0) }
        let (settings, urlError, zoneError) = try stored.updated(
            relayURL: form.trimmed("relay_url"), user: form.trimmed("relay_user"), password: form["relay_password"],
            timeZone: form["time_zone"],
            allowLoopbackRelay: try await upstreams.relayEgress(of: context.tenant) == .anyAddress
        ) { password, url, user in
            try secrets.seal(password, context: TenantMailSettings.context(context.tenant, url: url, user: user))
        }
        guard urlError == nil, zoneError == nil else {
            var page = try await page(
                context, settings: settings, notice: .error("Nothing was saved: correct the fields marked below."))
            page.relayURLError = urlError
            page.timeZoneError = zoneError
            return try flows.page(page, "admin/mail-settings", status: .unprocessableContent)
        }
        let final = settings
        try await realm(context).withAccounts { store in
            try await store.setSettings(
                [
                    (TenantMailSettings.urlKey, final.relayURL), (TenantMailSettings.userKey, final.relayUser),
                    (TenantMailSettings.passwordKey, final.relayPassword?.base64EncodedString() ?? ""),
                    (TenantMailSettings.timeZoneKey, final.timeZone),
                ],
                audit: "mail.settings_updated", actor: context.staff,
                detail: final.relayURL.isEmpty ? "platform relay" : final.relayURL,
                ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: AdminPaths.mailSettings.link() + "?done=saved")
    }

    /// Sends one message to the owner through the brand's relay now, and shows what the relay said.
    @Sendable func sendTest(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let settings = try await realm(context).withAccounts { try await TenantMailSettings.load(from: $0) }
        let stored: SMTPRelay?
        do {
            stored = try settings.relay(
                for: context.tenant, secrets: secrets, egress: try await upstreams.relayEgress(of: context.tenant))
        } catch {
            return try flows.page(
                try await page(
                    context, settings: settings,
                    notice: .error("The stored relay cannot be used (\(error)); save it again.")),
                "admin/mail-settings", status: .conflict
            )
        }
        guard let relay = stored else {
            return try flows.page(
                try await page(
                    context, settings: settings,
                    notice: .error("Save a relay first; without one the platform's relay is used.")),
                "admin/mail-settings", status: .conflict
            )
        }
        let realm = realm(context)
        let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
        let message = MailMessage(
            from: look.sender, to: MailAddress(name: context.staff.name, address: context.staff.email),
            replyTo: look.replyTo.isEmpty ? nil : MailAddress(address: look.replyTo),
            subject: "Test from \(context.tenant.name)",
            text: "This test went through \(relay.url). Your brand's mail relay works.", html: nil,
            messageID: MailMessage.newMessageID(domain: look.messageDomain), date: Date()
        )
        let notice: Notice
        do {
            try await sender.send(message, via: relay)
            notice = .success("The relay accepted a test message to \(context.staff.email).")
        } catch let failure as SMTPFailure where failure.code > 0 {
            notice = .error(
                "The relay refused the test with SMTP code \(failure.code). Check the user name, password and sender address."
            )
        } catch {
            // No detail about the network: this button must not tell anyone which hosts and ports answer.
            context.logger.warning(
                "mail relay test failed",
                metadata: ["error": "\(error)", "detail": "\((error as? SMTPFailure)?.detail ?? "")"])
            notice = .error(
                "Could not connect to \(relay.host), or it did not finish the conversation. Check the address and port."
            )
        }
        return try flows.page(try await page(context, settings: settings, notice: notice), "admin/mail-settings")
    }
}
