import Branding
import Foundation
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The delivery worker against a real SMTP server on loopback.
@Suite("Mail delivery")
struct MailDeliveryTests {
    /// Waits (bounded) until `condition` holds for the tenant's outbox.
    static func waitFor(
        _ dependencies: PortalDependencies, _ slug: String = "acme", _ condition: ([OutboxMail]) -> Bool
    ) async throws -> [OutboxMail] {
        for _ in 0..<100 {
            let mails = try await dependencies.outbox(slug)
            if condition(mails) { return mails }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await dependencies.outbox(slug)
    }

    static func configure(_ sink: SMTPSink) -> (inout PortalConfiguration) -> Void {
        { configuration in
            configuration.smtpRelay = try? SMTPRelay(url: "smtp://127.0.0.1:\(sink.port)")
            configuration.mailRetry.baseDelay = 0.05
            configuration.mailRetry.maximumDelay = 0.1
        }
    }

    @Test("a reset email reaches the relay with the brand's sender, reply-to, Message-ID domain and both parts")
    func delivered() async throws {
        let sink = try await SMTPSink.start()
        try await withPortal(configure: Self.configure(sink)) { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                _ = try database.updateBrandNow { brand in
                    brand.senderName = "Acme Support Team"
                    brand.senderEmail = "hello@portal.acme.example"
                    brand.supportEmail = "help@acme.example"
                }
            }
            dependencies.storefront.invalidate(tenant)
            try await makeAccount(dependencies, email: "ada@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "ada@example.com"])
            let mails = try await Self.waitFor(dependencies) { $0.first?.status == .sent }
            #expect(mails.first?.status == .sent)
            let received = try #require(try sink.received().first)
            #expect(received.mailFrom == "hello@portal.acme.example" && received.recipients == ["ada@example.com"])
            #expect(received.header("From") == "\"Acme Support Team\" <hello@portal.acme.example>")
            #expect(received.header("Reply-To") == "<help@acme.example>")
            let host = try #require(dependencies.registry.snapshot.primaryHost(of: tenant.id))
            #expect(
                received.header("Message-ID")?.hasSuffix("@\(host)>") == true, "Message-ID on the tenant's own domain")
            let subject = try #require(received.header("Subject"))
            #expect(subject.hasPrefix("=?UTF-8?B?") && subject.hasSuffix("?="), "RFC 2047, the subject has an em dash")
            let decoded = Data(base64Encoded: String(subject.dropFirst(10).dropLast(2))).map {
                String(decoding: $0, as: UTF8.self)
            }
            #expect(decoded == "Reset your password — Acme Hosting")
            #expect(received.part("text/plain")?.contains("/reset-password?token=") == true)
            #expect(received.part("text/html")?.contains("Choose a new password") == true)
        }
        await sink.stop()
    }

    @Test("through the platform relay a brand sends only from its own domain; another domain falls back to no-reply@")
    func senderDomain() async throws {
        try await withPortal { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            let host = try #require(dependencies.registry.snapshot.primaryHost(of: tenant.id))
            try await dependencies.databases.withDatabase(for: tenant) { database in
                _ = try database.updateBrandNow { $0.senderEmail = "billing@globex.example" }
            }
            dependencies.storefront.invalidate(tenant)
            try await makeAccount(dependencies, email: "ada@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "ada@example.com"])
            let mail = try #require(try await dependencies.outbox("acme").first)
            #expect(mail.fromAddress == "no-reply@\(host)")
        }
    }

    @Test(
        "through the platform relay only the brand's own hosts may send: not a parent of them, not the platform, not another brand"
    )
    func senderHosts() async throws {
        try await withPortal { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            let host = try #require(dependencies.registry.snapshot.primaryHost(of: tenant.id))
            for (index, (sender, allowed)) in [
                ("ceo@acme.example", false), ("ceo@localhost", false), ("ceo@example", false),
                ("team@globex.localhost", false), ("team@acme.localhost", true), ("team@portal.acme.example", true),
                ("team@PORTAL.acme.example", true),
            ].enumerated() {
                // One reader per sender: reset requests per address are limited.
                let reader = "reader\(index)@example.com"
                try await makeAccount(dependencies, email: reader)
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    _ = try database.updateBrandNow { $0.senderEmail = sender }
                }
                dependencies.storefront.invalidate(tenant)
                let browser = TestBrowser(client, host: "acme.localhost")
                try await browser.get("/forgot-password")
                try await browser.post("/forgot-password", ["email": reader])
                let mail = try #require(try await dependencies.outbox("acme").first { $0.toAddress == reader })
                #expect(mail.fromAddress == (allowed ? sender : "no-reply@\(host)"), "\(sender)")
                #expect(mail.relay == "platform")
            }
        }
    }

    @Test(
        "a message queued for the brand's own relay is never sent through the platform's, even once that relay is gone")
    func relayChoiceKept() async throws {
        let sink = try await SMTPSink.start()
        try await withPortal(configure: Self.configure(sink)) { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            // Queued while the brand had its own relay (as the row records), delivered after it was removed.
            var mail = OutgoingMail(
                toAddress: "ada@example.com", toName: "Ada", fromAddress: "ceo@acme.example", fromName: "Acme",
                replyTo: "", messageID: "<own-relay@acme.localhost>", subject: "Own relay only", text: "Hello",
                html: nil, kind: "test")
            mail.relay = "own"
            try await dependencies.accounts("acme") { try await $0.enqueueMail(mail) }
            try await dependencies.mailQueue.willQueue(.tenant(tenant.id))
            dependencies.mailQueue.notify(.tenant(tenant.id))
            let mails = try await Self.waitFor(dependencies) { $0.first?.status == .failed }
            #expect(mails.first?.status == .failed)
            #expect(mails.first?.lastError.contains("no longer set") == true)
            #expect(try sink.received().isEmpty, "nothing went out through the platform's relay")

            // With its own relay set, what is queued records it.
            try await dependencies.accounts("acme") {
                try await $0.setSetting(TenantMailSettings.urlKey, to: "smtp://127.0.0.1:9")
            }
            try await makeAccount(dependencies, email: "bob@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "bob@example.com"])
            let queued = try #require(try await dependencies.outbox("acme").first { $0.toAddress == "bob@example.com" })
            #expect(queued.relay == "own")
        }
        await sink.stop()
    }

    @Test("a 421 is retried until accepted; a 550 fails at once with the relay's reason")
    func retriesAndFailures() async throws {
        let sink = try await SMTPSink.start()
        try await withPortal(configure: Self.configure(sink)) { client, dependencies in
            for email in ["tempfail@example.com", "reject@example.com"] {
                try await makeAccount(dependencies, email: email)
                let browser = TestBrowser(client, host: "acme.localhost")
                try await browser.get("/forgot-password")
                try await browser.post("/forgot-password", ["email": email])
            }
            let mails = try await Self.waitFor(dependencies) { mails in
                mails.contains { $0.toAddress == "tempfail@example.com" && $0.status == .sent }
                    && mails.contains { $0.toAddress == "reject@example.com" && $0.status == .failed }
            }
            let retried = try #require(mails.first { $0.toAddress == "tempfail@example.com" })
            #expect(retried.status == .sent && retried.attempts == 2)
            let rejected = try #require(mails.first { $0.toAddress == "reject@example.com" })
            #expect(rejected.status == .failed && rejected.attempts == 1)
            #expect(rejected.lastError.hasPrefix("550"))
            #expect(try sink.received().map(\.recipients) == [["tempfail@example.com"]])
        }
        await sink.stop()
    }

    @Test("after a crash mid-send the message is not sent again; queued mail from before the restart is delivered")
    func restart() async throws {
        let sink = try await SMTPSink.start()
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let dataDirectory = DataDirectory(path: folder.path)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        let acme = try #require(try platform.tenant(slug: TenantSlug(validating: "acme")))
        let database = try TenantDatabase.open(path: dataDirectory.tenantDatabasePath(acme.slug), tenantID: acme.id)
        func mail(_ to: String) -> OutgoingMail {
            OutgoingMail(
                toAddress: to, toName: "", fromAddress: "no-reply@acme.localhost", fromName: "Acme", replyTo: "",
                messageID: "<\(UUID().uuidString)@acme.localhost>", subject: "Hello", text: "Hi", html: nil,
                kind: "test"
            )
        }
        try await database.accounts.enqueueMail(mail("interrupted@example.com"))
        try await database.accounts.enqueueMail(mail("waiting@example.com"))
        try await database.pool.write { db in
            try db.execute(
                sql:
                    "UPDATE mail_outbox SET status = 'sending', attempts = 1 WHERE to_address = 'interrupted@example.com'"
            )
        }
        try await platform.markMailPending("tenant:\(acme.id.rawValue)")
        try database.close()
        try platform.close()

        try await withExistingPortal(dataPath: folder.path, configure: Self.configure(sink)) { _, dependencies in
            let mails = try await Self.waitFor(dependencies) { mails in mails.contains { $0.status == .sent } }
            #expect(mails.first { $0.toAddress == "waiting@example.com" }?.status == .sent)
            let interrupted = try #require(mails.first { $0.toAddress == "interrupted@example.com" })
            #expect(interrupted.status == .failed && interrupted.lastError.contains("not resent automatically"))
            #expect(try sink.received().map(\.recipients) == [["waiting@example.com"]])
        }
        await sink.stop()
    }

    @Test(
        "staff see the outbox with headers and both parts; owners retry failed mail and cancel queued mail; tenants stay apart"
    )
    func mailPage() async throws {
        let sink = try await SMTPSink.start()
        try await withPortal(configure: Self.configure(sink)) { client, dependencies in
            try await makeAccount(dependencies, email: "reject@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "reject@example.com"])
            let failed = try #require(try await Self.waitFor(dependencies) { $0.first?.status == .failed }.first)
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let list = try await owner.get("/admin/mail?status=failed")
            #expect(list.text.contains("reject@example.com") && list.text.contains("550"))
            let detail = try await owner.get("/admin/mail/\(failed.id)")
            #expect(
                detail.text.contains("Message-ID")
                    && detail.text.contains(
                        failed.messageID.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
                            of: ">", with: "&gt;"))
            )
            #expect(detail.text.contains("/reset-password?token=[hidden]"), "one-time links are never shown")
            #expect(!detail.text.contains(try #require(firstLink(in: failed)).components(separatedBy: "token=").last!))
            let html = try await owner.get("/admin/mail/\(failed.id)/html")
            #expect(
                html.headers[.contentSecurityPolicy]?.contains("sandbox") == true
                    && html.text.contains("Choose a new password"))

            #expect(try await owner.post("/admin/mail/\(failed.id)/retry", [:]).status == .seeOther)
            let again = try await Self.waitFor(dependencies) { mails in
                mails.first { $0.id == failed.id }.map { $0.status == .failed && $0.attempts == 1 } ?? false
            }
            #expect(again.first { $0.id == failed.id }?.status == .failed)
            #expect(
                try await dependencies.accounts("acme") { try await $0.auditEntries(action: "mail.retried") }.count == 1
            )

            // A message scheduled for later can be cancelled before it goes.
            let tenant = try dependencies.registryTenant("acme")
            let later = try await dependencies.databases.withDatabase(for: tenant) { database in
                try await database.accounts.enqueueMail(
                    OutgoingMail(
                        toAddress: "later@example.com", toName: "", fromAddress: "no-reply@acme.example",
                        fromName: "Acme",
                        replyTo: "", messageID: "<later@acme.example>", subject: "Later", text: "Later", html: nil,
                        kind: "test"),
                    now: Date().addingTimeInterval(3600)
                )
                return try await database.mail.recent(limit: 1).first!
            }
            #expect(try await owner.post("/admin/mail/\(later.id)/cancel", [:]).status == .seeOther)
            #expect(try await dependencies.outbox("acme").first { $0.id == later.id }?.status == .cancelled)

            let support = try await staffBrowser(client, dependencies, role: .support, email: "support@acme.example")
            #expect(
                try await support.get("/admin/mail").status == .forbidden,
                "support never reads mail (it holds one-time links)")
            try await support.get("/admin/security")  // a page with a form, so the refusal below is the role check
            #expect(try await support.post("/admin/mail/\(failed.id)/retry", [:]).status == .forbidden)
            let globexOwner = try await staffBrowser(
                client, dependencies, tenant: "globex", email: "owner@globex.example", landing: "/admin/brand")
            #expect(try await globexOwner.get("/admin/mail/\(failed.id)").status == .notFound)
            #expect(try sink.received().isEmpty)
        }
        await sink.stop()
    }

    @Test("a brand's own relay carries its mail (and its test), while another brand's mail is captured")
    func tenantRelay() async throws {
        let sink = try await SMTPSink.start()
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            try await owner.get("/admin/mail/settings")
            let refused = try await owner.post(
                "/admin/mail/settings",
                [
                    "relay_url": "http://mail.example.com", "relay_user": "", "relay_password": "",
                    "time_zone": "Mars/Base",
                ]
            )
            #expect(refused.status == .unprocessableContent)
            #expect(
                refused.text.contains("is not an SMTP relay address")
                    && refused.text.contains("Choose a time zone from the list."))
            for (address, message) in [
                ("smtp://10.0.0.5:587", "not this machine or a private network"),
                ("smtp://169.254.169.254", "not this machine"),
                ("smtp://127.evil.example:22", "Use a mail port"),
            ] {
                let refusedHost = try await owner.post(
                    "/admin/mail/settings",
                    ["relay_url": address, "relay_user": "", "relay_password": "", "time_zone": "UTC"]
                )
                #expect(refusedHost.status == .unprocessableContent && refusedHost.text.contains(message), "\(address)")
            }
            let saved = try await owner.post(
                "/admin/mail/settings",
                [
                    "relay_url": "smtp://127.0.0.1:\(sink.port)", "relay_user": "", "relay_password": "",
                    "time_zone": "Europe/London",
                ]
            )
            #expect(saved.status == .seeOther)
            let test = try await owner.post("/admin/mail/settings/test", [:])
            #expect(test.text.contains("The relay accepted a test message to owner@acme.example."))
            #expect(try sink.received().first?.recipients == ["owner@acme.example"])

            for slug in ["acme", "globex"] {
                try await makeAccount(dependencies, tenant: slug, email: "ada@example.com")
                let browser = TestBrowser(client, host: "\(slug).localhost")
                try await browser.get("/forgot-password")
                try await browser.post("/forgot-password", ["email": "ada@example.com"])
            }
            let acme = try await Self.waitFor(dependencies) { $0.first?.status == .sent }
            #expect(acme.first?.status == .sent)
            let globex = try await Self.waitFor(dependencies, "globex") { $0.first?.status == .captured }
            #expect(globex.first?.status == .captured)
            #expect(try sink.received().count == 2)
            // Each brand's mail carries its own name and domain.
            #expect(acme.first?.fromName == "Acme Hosting" && globex.first?.fromName == "Globex Web")
            #expect(try sink.received().last?.header("From")?.contains("Acme Hosting") == true)
            #expect(
                globex.first?.subject.hasSuffix("Globex Web") == true
                    && acme.first?.subject.hasSuffix("Acme Hosting") == true)
        }
        await sink.stop()
    }

    @Test("without a relay, mail is captured, not sent")
    func captured() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies, email: "ada@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "ada@example.com"])
            let mails = try await Self.waitFor(dependencies) { $0.first?.status == .captured }
            #expect(mails.first?.status == .captured)
            #expect(try await dependencies.outbox("globex").isEmpty)
        }
    }
}

/// An email and the change that causes it commit together.
@Suite("Transactional outbox")
struct TransactionalOutboxTests {
    @Test("if the email cannot be queued, the sign-up does not happen either; a name with a line break is refused")
    func atomicSignUp() async throws {
        try await withPortal { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                try await database.pool.write { db in
                    try db.execute(
                        sql:
                            "CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END"
                    )
                }
            }
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/signup")
            let failed = try await browser.post(
                "/signup",
                [
                    "name": "Ada Lovelace", "email": "ada@example.com", "company": "",
                    "password": "correct horse battery staple",
                ]
            )
            #expect(failed.status == .internalServerError)
            #expect(
                try await dependencies.accounts("acme") {
                    try await $0.account(kind: .customer, email: "ada@example.com")
                } == nil)
            #expect(try await dependencies.accounts("acme") { try await $0.auditEntries(action: "signup") }.isEmpty)

            try await dependencies.databases.withDatabase(for: tenant) { database in
                try await database.pool.write { db in try db.execute(sql: "DROP TRIGGER refuse_mail") }
            }
            try await browser.get("/signup")
            let injected = try await browser.post(
                "/signup",
                [
                    "name": "Ada\r\nBcc: victim@example.com", "email": "ada@example.com", "company": "",
                    "password": "correct horse battery staple",
                ]
            )
            #expect(injected.status == .unprocessableContent && injected.text.contains("Write your name on one line."))
            try await browser.get("/signup")
            let ok = try await browser.post(
                "/signup",
                [
                    "name": "Ada Lovelace", "email": "ada@example.com", "company": "",
                    "password": "correct horse battery staple",
                ]
            )
            #expect(ok.status == .ok)
            let account = try #require(
                try await dependencies.accounts("acme") {
                    try await $0.account(kind: .customer, email: "ada@example.com")
                })
            let mails = try await dependencies.outbox("acme")
            #expect(mails.count == 1 && mails.first?.kind == "verify_email" && mails.first?.toName == account.name)
        }
    }
}

@Suite("Mail configuration and give-up")
struct MailConfigurationTests {
    @Test(
        "relay settings come from flags or the environment, the password from a file or the environment, never a flag")
    func relayOptions() throws {
        let folder = try TemporaryFolder()
        let passwordFile = folder.path + "/smtp.password"
        try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let options = try ServerOptions.parse([
            "--smtp-url", "smtp://smtp.example.com", "--smtp-user", "mailer", "--smtp-password-file", passwordFile,
        ])
        let relay = try #require(try options.configuration().smtpRelay)
        #expect(relay.url == "smtp://smtp.example.com:587" && relay.username == "mailer" && relay.password == "s3cret")
        #expect(throws: (any Error).self) { try ServerOptions.parse(["--smtp-password", "s3cret"]) }
        #expect(throws: CommandError.self) {
            try ServerOptions.parse(["--smtp-url", "http://smtp.example.com"]).configuration()
        }
        #expect(try ServerOptions.parse([]).configuration().smtpRelay == nil)
    }

    @Test("temporary failures are retried with backoff and then give up with the reason after the last attempt")
    func givesUp() async throws {
        let attempts = Mutex(0)
        try await withPortal(configure: { configuration in
            configuration.smtpRelay = try? SMTPRelay(url: "smtp://127.0.0.1:1")
            configuration.mailRetry.maximumAttempts = 3
            configuration.mailRetry.baseDelay = 0.02
            configuration.mailRetry.maximumDelay = 0.05
            configuration.mailSend = { _, _ in
                attempts.withLock { $0 += 1 }
                throw SMTPFailure(code: 451, reason: "4.3.0 Mail server temporarily rejected message")
            }
        }) { client, dependencies in
            try await makeAccount(dependencies, email: "ada@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "ada@example.com"])
            let mails = try await MailDeliveryTests.waitFor(dependencies) { $0.first?.status == .failed }
            let mail = try #require(mails.first)
            #expect(mail.status == .failed && mail.attempts == 3)
            #expect(mail.lastError == "gave up after 3 attempts: 451 4.3.0 Mail server temporarily rejected message")
            #expect(attempts.withLock { $0 } == 3)
        }
    }
}
