import Branding
import Foundation
import Hummingbird
import NIOCore
import Tenancy

/// `/admin/brand/emails` (owner and admin): the brand's email templates and layout, each overridable, validated
/// on save, previewed with sample data, and sendable as a test to the staff member.
package struct EmailTemplatesController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (StaffRequestContext) -> any AccountRealm
    let databases: TenantDatabases

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.brandEmails.route, use: list)
        group.get(AdminPaths.brandEmail.route, use: edit)
        group.post(AdminPaths.brandEmail.route, use: save)
        group.post(AdminPaths.brandEmailReset.route, use: reset)
        group.post(AdminPaths.brandEmailTest.route, use: sendTest)
        group.get(AdminPaths.brandEmailPreview.route, use: preview)
    }

    /// The template named in the path: an email kind, or the layout (kind nil). Security templates (one-time links,
    /// account changes) and the layout around them are the owners' alone.
    private func target(_ context: StaffRequestContext) throws -> (name: String, kind: EmailKind?) {
        let name = context.parameters.get("name") ?? ""
        let kind = name == EmailKind.layoutName ? nil : EmailKind.named(name)
        guard name == EmailKind.layoutName || kind != nil else { throw PortalError.notFound }
        if EmailKind.isSecurityTemplate(name) { try context.require(.owner) }
        return (name, kind)
    }

    /// Tells every owner, by email, that a security template changed, and who changed it.
    private func tellOwners(_ context: StaffRequestContext, name: String, what: String) async throws {
        guard EmailKind.isSecurityTemplate(name) else { return }
        let realm = realm(context)
        let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
        let link = flows.services.link(primaryHost: realm.linkHost, path: AdminPaths.brandEmail.link(name))
        let title = EmailKind.named(name)?.title ?? "The email layout"
        let text =
            "\(context.staff.name) (\(context.staff.email)) \(what) the \(title.lowercased()) email template of "
            + "\(context.tenant.name). It carries one-time sign-in links, so every owner is told. Review it: \(link)"
        try await realm.withAccounts { store in
            for owner in try await store.staff() where owner.role == .owner {
                try await flows.queue(
                    RenderedEmail(
                        subject: "A security email template was \(what)",
                        html: "<p>" + Escape.html(text) + "</p>", text: text), look: look,
                    to: MailAddress(name: owner.name, address: owner.email), kind: "security_template_changed",
                    realm: realm, store: store)
            }
        }
    }

    private func overrides(_ context: StaffRequestContext) async throws -> [String: EmailTemplate] {
        try await databases.withDatabase(for: context.tenant) { try await $0.emailTemplates.overrides() }
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let overrides = try await overrides(context)
        var page = EmailTemplateListPage(
            chrome: context.chrome, csrf: context.csrfToken,
            layoutCustomised: overrides[EmailKind.layoutName] != nil,
            rows: EmailKind.all.filter { !$0.isSecurity || context.role == .owner }.map {
                .init(name: $0.name, title: $0.title, purpose: $0.purpose, customised: overrides[$0.name] != nil)
            }
        )
        page.isOwner = context.role == .owner
        return try flows.page(page, "admin/emails")
    }

    private func editor(
        _ context: StaffRequestContext, showing typed: EmailTemplate? = nil, problems: [EmailTemplateProblem] = [],
        notice: Notice? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (name, kind) = try target(context)
        let overrides = try await overrides(context)
        let saved = overrides[name] ?? (kind.map(flows.emails.template) ?? flows.emails.layout)
        var page = EmailTemplateEditorPage(
            chrome: context.chrome, csrf: context.csrfToken, kind: kind, template: typed ?? saved,
            customised: overrides[name] != nil
        )
        page.notice = notice
        page.show(problems)
        if problems.isEmpty, let rendered = try? await sample(context, name: name, kind: kind, overrides: overrides) {
            page.previewSubject = rendered.subject
            page.previewText = rendered.text
            page.hasPreview = true
        }
        return try flows.page(page, "admin/email-template", status: status)
    }

    /// The saved template (or default) rendered with sample data inside the saved layout.
    private func sample(
        _ context: StaffRequestContext, name: String, kind: EmailKind?, overrides: [String: EmailTemplate]
    ) async throws -> RenderedEmail {
        let shown = kind ?? .emailVerification
        let look = try await realm(context).emailLook(
            siteURL: flows.services.link(primaryHost: realm(context).linkHost, path: ""))
        return try EmailRenderer.sample(
            kind: shown, template: overrides[shown.name] ?? flows.emails.template(shown),
            layout: overrides[EmailKind.layoutName] ?? flows.emails.layout, brand: look.facts,
            recipient: (context.staff.name, context.staff.email)
        )
    }

    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "saved": .success("Template saved; every email of this kind now uses it.")
            case "reset": .success("Back to the default template.")
            case "sent": .success("A test with sample data is on its way to \(context.staff.email).")
            default: nil
            }
        return try await editor(context, notice: notice)
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let (name, kind) = try target(context)
        let form = try await FormData.parse(request)
        let template = EmailTemplate(
            subject: kind == nil ? "" : form["subject"].trimmingCharacters(in: .whitespaces),
            html: form["html"].replacingOccurrences(of: "\r\n", with: "\n"),
            text: form["text"].replacingOccurrences(of: "\r\n", with: "\n")
        )
        let problems = EmailTemplateValidator.validate(template, for: kind)
        guard problems.isEmpty else {
            return try await editor(
                context, showing: template, problems: problems,
                notice: .error("Nothing was saved: fix the problems listed beside each part."),
                status: .unprocessableContent
            )
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.emailTemplates.save(
                template, named: name, by: context.staff, ip: context.origin.clientAddress ?? "")
        }
        try await tellOwners(context, name: name, what: "changed")
        return flows.redirect(to: AdminPaths.brandEmail.link(name) + "?done=saved")
    }

    @Sendable func reset(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let (name, _) = try target(context)
        _ = try await databases.withDatabase(for: context.tenant) { database in
            try await database.emailTemplates.reset(name, by: context.staff, ip: context.origin.clientAddress ?? "")
        }
        try await tellOwners(context, name: name, what: "reset to the default")
        return flows.redirect(to: AdminPaths.brandEmail.link(name) + "?done=reset")
    }

    /// Queues the sample rendering to the signed-in staff member's own address only.
    @Sendable func sendTest(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let (name, kind) = try target(context)
        let sample = try await sample(context, name: name, kind: kind, overrides: try await overrides(context))
        let rendered = RenderedEmail(subject: "[Test] " + sample.subject, html: sample.html, text: sample.text)
        let realm = realm(context)
        let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
        try await realm.withAccounts { store in
            try await flows.queue(
                rendered, look: look, to: MailAddress(name: context.staff.name, address: context.staff.email),
                kind: "template_test", realm: realm, store: store
            )
            try await store.audit(
                "email_template.test_sent", actor: context.staff, target: name, ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: AdminPaths.brandEmail.link(name) + "?done=sent")
    }

    /// The HTML part with sample data, for the editor's frame: sandboxed, no scripts, inline styles allowed.
    @Sendable func preview(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let (name, kind) = try target(context)
        let rendered = try await sample(context, name: name, kind: kind, overrides: try await overrides(context))
        return SandboxedHTML.response(rendered.html)
    }
}
