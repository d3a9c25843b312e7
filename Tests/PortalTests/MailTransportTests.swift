import Foundation
import Integrations
import Synchronization
import TestSupport
import Testing

@testable import Portal

/// Building messages and sending them over SMTP with libcurl to a real server on loopback.
@Suite("Mail transport")
struct MailTransportTests {
    static func message(to: String = "ada@example.com", subject: String = "Your invoice — №42") -> MailMessage {
        MailMessage(
            from: MailAddress(name: "Café Hosting", address: "hello@cafe.example"),
            to: MailAddress(name: "Ada Lovelace", address: to),
            replyTo: MailAddress(address: "support@cafe.example"), subject: subject,
            text: "Hello Ada,\nyour invoice is ready.\n", html: "<p>Hello Ada,</p><p>your invoice is <b>ready</b>.</p>",
            messageID: MailMessage.newMessageID(domain: "portal.cafe.example"),
            date: Date(timeIntervalSince1970: 1_800_000_000)
        )
    }

    @Test("headers: RFC 2047 for non-ASCII, RFC 5322 date, Message-ID on the tenant's domain, both parts")
    func rendering() throws {
        let message = Self.message()
        try message.validate()
        let raw = message.rendered(boundary: "BOUNDARY")
        #expect(raw.contains("From: =?UTF-8?B?Q2Fmw6kgSG9zdGluZw==?= <hello@cafe.example>\r\n"))
        #expect(raw.contains("To: \"Ada Lovelace\" <ada@example.com>\r\n"))
        #expect(raw.contains("Reply-To: <support@cafe.example>\r\n"))
        #expect(raw.contains("Subject: =?UTF-8?B?"))
        #expect(raw.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"))
        #expect(raw.contains("Message-ID: <") && raw.contains("@portal.cafe.example>\r\n"))
        #expect(raw.contains("Content-Type: multipart/alternative; boundary=\"BOUNDARY\""))
        #expect(
            raw.contains("Content-Type: text/plain; charset=utf-8")
                && raw.contains("Content-Type: text/html; charset=utf-8"))
        #expect(raw.hasSuffix("--BOUNDARY--\r\n"))
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")
        // Long subjects fold into several encoded words, none longer than 75 characters.
        let long = MailMessage.encodedWords(String(repeating: "é", count: 60), prefix: 9)
        #expect(long.components(separatedBy: "\r\n ").allSatisfy { $0.count <= 75 })
    }

    @Test(
        "a line break in any header value is refused before anything is queued",
        arguments: [
            ("subject", "Hello\r\nBcc: victim@example.com"), ("from", "Evil\nBcc: x@example.com"),
            ("to", "a@example.com\r\nX: y"),
        ])
    func headerInjection(field: String, value: String) {
        var message = Self.message()
        switch field {
        case "subject": message.subject = value
        case "from": message.from.name = value
        default: message.to.address = value
        }
        #expect(throws: MailError.self) { try message.validate() }
    }

    @Test("relay addresses: smtp:// means STARTTLS off loopback, smtps:// is TLS from the start")
    func relays() throws {
        let submission = try SMTPRelay(url: "smtp://Mail.Example.com", username: "u", password: "p")
        #expect(submission.url == "smtp://mail.example.com:587" && !submission.isImplicitTLS)
        let implicit = try SMTPRelay(url: "smtps://mail.example.com")
        #expect(implicit.url == "smtps://mail.example.com:465" && implicit.isImplicitTLS)
        #expect(try SMTPRelay(url: "smtp://127.0.0.1:2525").port == 2525)
        for bad in ["http://mail.example.com", "smtp://", "smtp://user:pw@mail.example.com", "mail.example.com"] {
            #expect(throws: SMTPRelay.Problem.self) { try SMTPRelay(url: bad) }
        }
    }

    @Test("libcurl delivers to a real SMTP server: envelope, headers and both parts arrive intact")
    func delivers() async throws {
        let sink = try await SMTPSink.start()
        defer { Task { await sink.stop() } }
        var relay = try SMTPRelay(url: "smtp://127.0.0.1:\(sink.port)")
        relay.egress = .anyAddress
        try await SMTPSender().send(Self.message(), via: relay)
        let received = try #require(try sink.received().first)
        #expect(received.mailFrom == "hello@cafe.example")
        #expect(received.recipients == ["ada@example.com"])
        #expect(received.header("From") == "=?UTF-8?B?Q2Fmw6kgSG9zdGluZw==?= <hello@cafe.example>")
        #expect(received.header("Reply-To") == "<support@cafe.example>")
        #expect(received.part("text/plain") == "Hello Ada,\r\nyour invoice is ready.\r\n")
        #expect(received.part("text/html")?.contains("<b>ready</b>") == true)
        await sink.stop()
    }

    @Test("a 421 is a temporary failure worth retrying; a 550 is permanent; a closed port has no reply code")
    func failures() async throws {
        let sink = try await SMTPSink.start()
        var relay = try SMTPRelay(url: "smtp://127.0.0.1:\(sink.port)")
        relay.egress = .anyAddress
        let sender = SMTPSender()
        do {
            try await sender.send(Self.message(to: "tempfail@example.com"), via: relay)
            Issue.record("the first attempt should have been refused")
        } catch let failure as SMTPFailure {
            #expect(failure.code == 421 && !failure.isPermanent)
        }
        try await sender.send(Self.message(to: "tempfail@example.com"), via: relay)
        do {
            try await sender.send(Self.message(to: "reject@example.com"), via: relay)
            Issue.record("a rejected recipient should fail")
        } catch let failure as SMTPFailure {
            #expect(failure.code == 550 && failure.isPermanent)
        }
        #expect(try sink.received().count == 1)
        await sink.stop()

        do {
            try await sender.send(Self.message(), via: relay)
            Issue.record("nothing listens any more")
        } catch let failure as SMTPFailure {
            #expect(failure.code == 0 && !failure.isPermanent)
        }
    }
}

@Suite("Mail relay pinning")
struct MailRelayPinningTests {
    static let message = MailMessage(
        from: MailAddress(name: "Acme", address: "hello@acme.example"),
        to: MailAddress(name: "Ada", address: "ada@example.com"), replyTo: nil, subject: "Pinned",
        text: "Hello", html: nil, messageID: "<pinned@acme.example>", date: Date(timeIntervalSince1970: 1_700_000_000)
    )

    @Test("libcurl connects to the address the check approved, not to a second lookup of the relay's name")
    func connectsToTheCheckedAddress() async throws {
        let sink = try await SMTPSink.start()
        defer { Task { await sink.stop() } }
        // No resolver on this machine knows relay.test: only the pinned address can have been used.
        let lookups = Counter()
        let egress = Egress(
            resolver: HostResolver { name in
                lookups.add()
                return name == "relay.test" ? [NetworkAddress(literal: "127.0.0.1")!] : []
            })
        var relay = try SMTPRelay(url: "smtp://relay.test:\(sink.port)")
        relay.egress = .anyAddress
        try await SMTPSender(egress: egress).send(Self.message, via: relay)
        #expect(try sink.received().map(\.recipients) == [["ada@example.com"]])
        #expect(lookups.value == 1)
        await sink.stop()
    }

    @Test("a brand's relay whose name resolves to this machine is refused before connecting; the reason is log-only")
    func refusesPrivateRelay() async throws {
        let sink = try await SMTPSink.start()
        defer { Task { await sink.stop() } }
        let egress = Egress(resolver: HostResolver { _ in [NetworkAddress(literal: "127.0.0.1")!] })
        for url in ["smtp://127.0.0.1.nip.io:\(sink.port)", "smtp://0x7f.1:\(sink.port)", "smtp://[::1]:\(sink.port)"] {
            let relay = try SMTPRelay(url: url)
            do {
                try await SMTPSender(egress: egress).send(Self.message, via: relay)
                Issue.record("\(url) should have been refused")
            } catch let failure as SMTPFailure {
                #expect(failure.code == 0)
                #expect(failure.reason == "could not connect to \(relay.host)")
                #expect(failure.detail?.contains("loopback") == true, "\(url)")
            }
        }
        #expect(try sink.received().isEmpty)
        await sink.stop()
    }
}
