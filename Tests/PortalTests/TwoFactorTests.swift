import Foundation
import HTTPTypes
import HummingbirdTesting
import Integrations
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Two-factor sign-in")
struct TwoFactorTests {
    /// The pending secret the set-up page just generated, read back through the master key.
    static func pendingSecret(
        _ dependencies: PortalDependencies, email: String, kind: Account.Kind = .customer,
        tenant: String = "acme"
    ) async throws -> [UInt8] {
        let account = try await dependencies.accounts(tenant) { try await $0.account(kind: kind, email: email) }
        let sealed = try #require(account?.totpPendingSecret)
        return try dependencies.accountServices.secrets.openBytes(
            sealed, context: AccountFlows.TOTPSealing.context(try #require(account).id))
    }

    static func code(_ secret: [UInt8], at date: Date) -> String {
        TOTP.code(secret: secret, step: TOTP.step(at: date))
    }

    /// Enrols the signed-in browser; returns the secret and the recovery codes shown.
    static func enrol(
        _ browser: TestBrowser, _ dependencies: PortalDependencies, base: String = "/account",
        email: String = "ada@example.com", kind: Account.Kind = .customer, clock: TestClock
    ) async throws
        -> (secret: [UInt8], codes: [String])
    {
        let page = try await browser.get("\(base)/security/two-factor")
        #expect(page.status == .ok)
        let secret = try await pendingSecret(dependencies, email: email, kind: kind)
        let enabled = try await browser.post("\(base)/security/two-factor", ["code": code(secret, at: clock.now())])
        #expect(enabled.status == .ok)
        let codes = enabled.text.matches(of: /<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2})<\/code><\/li>/).map {
            String($0.1)
        }
        return (secret, codes)
    }

    @Test("enrolment shows a scannable QR code with the same secret, then ten recovery codes")
    func enrolment() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            let page = try await browser.get("/account/security/two-factor")
            let svg = String(try #require(page.text.firstMatch(of: /<svg[\s\S]*?<\/svg>/)).0)
            let uri = try await QRCodeTests.decode(svg).trimmingCharacters(in: .newlines)
            let secret = try await Self.pendingSecret(dependencies, email: "ada@example.com")
            #expect(uri.hasPrefix("otpauth://totp/Acme%20Hosting:ada@example.com?secret=\(Base32.encode(secret))"))
            #expect(uri.contains("issuer=Acme%20Hosting"))

            let wrong = try await browser.post("/account/security/two-factor", ["code": "000000"])
            #expect(wrong.status == .unprocessableContent)
            let (_, codes) = try await Self.enrol(browser, dependencies, clock: clock)
            #expect(codes.count == 10)
            #expect(Set(codes).count == 10)
            let status = try await browser.get("/account/security/two-factor")
            #expect(status.text.contains("<strong>10</strong> unused recovery codes"))
            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries(action: "2fa.enabled") }
            #expect(audit.count == 1)
        }
    }

    @Test("sign-in asks for the code; the half-signed-in session reaches nothing; each code works once")
    func signInWithCode() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            let setup = TestBrowser(client, host: "acme.localhost")
            try await signIn(setup)
            let (secret, _) = try await Self.enrol(setup, dependencies, clock: clock)
            clock.advance(by: 30)

            let browser = TestBrowser(client, host: "acme.localhost")
            let password = try await signIn(browser)
            #expect(password.headers[.location]?.hasPrefix("/login/two-factor") == true)
            let halfway = browser.cookies["__Host-session"]
            #expect(try await browser.get("/account").status == .seeOther)

            try await browser.get("/login/two-factor")
            let code = Self.code(secret, at: clock.now())
            let done = try await browser.post("/login/two-factor", ["code": code])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/account")
            #expect(browser.cookies["__Host-session"] != halfway)
            #expect(try await browser.get("/account").status == .ok)

            // The same code again, in another sign-in within its window, is refused.
            let replay = TestBrowser(client, host: "acme.localhost")
            try await signIn(replay)
            try await replay.get("/login/two-factor")
            #expect(try await replay.post("/login/two-factor", ["code": code]).status == .unauthorized)
        }
    }

    @Test("codes one step old or new are accepted, two steps are not")
    func window() async throws {
        let secret = TOTP.generateSecret()
        let now = Date()
        let step = TOTP.step(at: now)
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = TOTP.code(secret: secret, step: step + Int64(offset))
            #expect((TOTP.matchingStep(code, secret: secret, at: now, lastUsedStep: 0) != nil) == accepted, "\(offset)")
        }
        let current = TOTP.code(secret: secret, step: step)
        #expect(TOTP.matchingStep(current, secret: secret, at: now, lastUsedStep: step) == nil)
        #expect(TOTP.matchingStep("12345", secret: secret, at: now, lastUsedStep: 0) == nil)
    }

    @Test("RFC 6238's SHA-1 test vectors")
    func rfcVectors() {
        let secret = Array("12345678901234567890".utf8)
        for (time, expected) in [
            (59.0, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037"),
        ] {
            #expect(TOTP.code(secret: secret, step: TOTP.step(at: Date(timeIntervalSince1970: time))) == expected)
        }
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
    }

    @Test("a recovery code signs in once and never again")
    func recoveryCode() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            let setup = TestBrowser(client, host: "acme.localhost")
            try await signIn(setup)
            let (_, codes) = try await Self.enrol(setup, dependencies, clock: clock)
            let code = try #require(codes.first)

            let first = TestBrowser(client, host: "acme.localhost")
            try await signIn(first)
            try await first.get("/login/two-factor")
            #expect(try await first.post("/login/two-factor", ["code": code.uppercased()]).status == .seeOther)

            let second = TestBrowser(client, host: "acme.localhost")
            try await signIn(second)
            try await second.get("/login/two-factor")
            #expect(try await second.post("/login/two-factor", ["code": code]).status == .unauthorized)
            let audit = try await dependencies.accounts("acme") {
                try await $0.auditEntries(action: "2fa.recovery_code_used")
            }
            #expect(audit.count == 1)
        }
    }

    @Test("staff must set up two-factor before using the staff area, cannot turn it off, and an owner can reset it")
    func staffRequired() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let supportAccount = try await makeAccount(
                dependencies, kind: .staff, email: "sup@acme.example", role: .support)
            let owner = TestBrowser(client, host: "acme.localhost")
            try await signIn(owner, email: "owner@acme.example", staff: true)
            let blocked = try await owner.get("/admin")
            #expect(blocked.status == .seeOther)
            #expect(blocked.headers[.location] == "/admin/security/two-factor")
            try await Self.enrol(
                owner, dependencies, base: "/admin", email: "owner@acme.example", kind: .staff, clock: clock)
            #expect(try await owner.get("/admin").status == .ok)
            let status = try await owner.get("/admin/security/two-factor")
            #expect(!status.text.contains("/admin/security/two-factor/disable"))
            #expect(
                try await owner.post(
                    "/admin/security/two-factor/disable",
                    [
                        "current_password": "correct horse battery",
                        "code": "000000",
                    ]
                ).status == .forbidden)

            let support = TestBrowser(client, host: "acme.localhost")
            try await signIn(support, email: "sup@acme.example", staff: true)
            clock.advance(by: 30)
            try await Self.enrol(
                support, dependencies, base: "/admin", email: "sup@acme.example", kind: .staff, clock: clock)
            #expect(try await support.get("/admin").status == .ok)

            try await owner.get("/admin/staff")
            let reset = try await owner.post("/admin/staff/\(supportAccount.id)/reset-two-factor", [:])
            #expect(reset.status == .seeOther)
            #expect(try await support.get("/admin").status == .seeOther)
            let member = try await dependencies.accounts("acme") { try await $0.account(supportAccount.id) }
            #expect(member?.hasSecondFactor == false)
            let audit = try await dependencies.accounts("acme") {
                try await $0.auditEntries(action: "2fa.reset_by_owner")
            }
            #expect(audit.first?.target == "sup@acme.example")
        }
    }

    @Test("repeated wrong codes are throttled with 429")
    func codeThrottle() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            let setup = TestBrowser(client, host: "acme.localhost")
            try await signIn(setup)
            try await Self.enrol(setup, dependencies, clock: clock)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            try await browser.get("/login/two-factor")
            for _ in 0..<5 {
                #expect(try await browser.post("/login/two-factor", ["code": "000000"]).status == .unauthorized)
            }
            let limited = try await browser.post("/login/two-factor", ["code": "000000"])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test(
        "a TOTP secret is sealed to its account: copied into another account's row it does not open; an older one is bound at first use"
    )
    func boundSecrets() async throws {
        try await withDependencies { dependencies in
            let secrets = dependencies.accountServices.secrets
            let ada = try await makeAccount(dependencies, email: "ada@example.com")
            let bob = try await makeAccount(dependencies, email: "bob@example.com")
            let secret = Array("12345678901234567890".utf8)
            let sealed = try AccountFlows.TOTPSealing.seal(secret, for: ada.id, secrets: secrets)
            try await dependencies.accounts("acme") { store in
                #expect(
                    try await AccountFlows.TOTPSealing.open(sealed, of: ada.id, secrets: secrets, store: store)
                        == secret)
                await #expect(throws: SecretBox.SecretError.self) {
                    _ = try await AccountFlows.TOTPSealing.open(sealed, of: bob.id, secrets: secrets, store: store)
                }
                // Sealed before secrets were bound: opens once for its account, and is bound from then on.
                let older = try secrets.seal(secret)
                try await store.enableTOTP(older, step: 0, recoveryCodeHashes: [], for: ada.id)
                #expect(
                    try await AccountFlows.TOTPSealing.open(older, of: ada.id, secrets: secrets, store: store) == secret
                )
                let stored = try #require(try await store.account(ada.id)?.totpSecret)
                #expect(stored != older)
                #expect(try secrets.openBytes(stored, context: AccountFlows.TOTPSealing.context(ada.id)) == secret)
                #expect(throws: SecretBox.SecretError.self) {
                    try secrets.openBytes(stored, context: AccountFlows.TOTPSealing.context(bob.id))
                }
            }
        }
    }
}
