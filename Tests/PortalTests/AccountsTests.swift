import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Creates a signed-up, verified account directly in a tenant's database.
func makeAccount(
    _ dependencies: PortalDependencies, tenant: String = "acme", kind: Account.Kind = .customer,
    email: String = "ada@example.com", password: String = "correct horse battery", role: Account.Role? = nil
) async throws -> Account {
    let hash = try await dependencies.accountServices.hasher.hash(password, brand: "test")
    return try await dependencies.accounts(tenant) {
        try await $0.createAccount(
            kind: kind, email: email, name: "Ada Lovelace", passwordHash: hash,
            role: kind == .staff ? (role ?? .owner) : nil,
            emailVerified: true
        )
    }
}

/// Signs a browser in through the real form.
@discardableResult
func signIn(
    _ browser: TestBrowser, email: String = "ada@example.com", password: String = "correct horse battery",
    staff: Bool = false, from address: String? = nil
) async throws -> BrowserResponse {
    let prefix = staff ? "/admin" : ""
    let headers: HTTPFields = address.map { [.testForwardedFor: $0] } ?? [:]
    try await browser.get("\(prefix)/login", headers: headers)
    return try await browser.post("\(prefix)/login", ["email": email, "password": password], headers: headers)
}

@Suite("Customer accounts")
struct CustomerAccountTests {
    @Test("links in emails on *.localhost carry the port the server bound, even when it was asked for port 0")
    func localLinksCarryTheBoundPort() async throws {
        try await withPortal { client, dependencies in
            let port = try #require(client.port)
            #expect(port != 0)
            #expect(
                dependencies.accountServices.link(primaryHost: "acme.localhost", path: "/verify-email?token=t")
                    == "http://acme.localhost:\(port)/verify-email?token=t")
            #expect(
                dependencies.accountServices.link(primaryHost: "portal.acme.example", path: "/x")
                    == "https://portal.acme.example/x")
        }
    }

    @Test("sign up, confirm the address from the emailed link, sign in, see the account, sign out")
    func signUpJourney() async throws {
        try await withPortal { client, dependencies in
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/signup")
            let signedUp = try await browser.post(
                "/signup",
                [
                    "name": "Grace Hopper", "email": "Grace@Example.com", "company": "Navy",
                    "password": "cobol forever 1959",
                ]
            )
            #expect(signedUp.status == .ok)
            #expect(signedUp.text.contains("Check your inbox"))

            let mail = try #require(try await dependencies.outbox("acme").first)
            #expect(mail.toAddress == "grace@example.com")
            let link = try #require(firstLink(in: mail))
            // Built from the stored primary domain, not from the Host the form was posted to.
            #expect(link.hasPrefix("https://portal.acme.example/verify-email?token="))

            let verified = try await browser.get(pathAndQuery(link))
            #expect(verified.text.contains("Email address confirmed"))
            let again = try await browser.get(pathAndQuery(link))
            #expect(again.text.contains("Link expired"))

            let login = try await signIn(browser, email: "grace@example.com", password: "cobol forever 1959")
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == "/account")
            let account = try await browser.get("/account")
            #expect(account.status == .ok)
            #expect(account.text.contains("Hello, Grace Hopper"))

            try await browser.post("/logout", [:])
            let afterLogout = try await browser.get("/account")
            #expect(afterLogout.status == .seeOther)
            #expect(afterLogout.headers[.location]?.hasPrefix("/login") == true)
        }
    }

    @Test(
        "bad sign-up input is shown beside each field and nothing is stored",
        arguments: [
            (
                ["name": "", "email": "a@example.com", "password": "long enough pass"],
                #"<p class="field__error" id="name-error">Enter your name.</p>"#
            ),
            (
                ["name": "A", "email": "not-an-email", "password": "long enough pass"],
                #"<p class="field__error" id="email-error">Enter an email address such as name@example.com.</p>"#
            ),
            (
                ["name": "A", "email": "a@example.com", "password": "short"],
                #"<p class="field__error" id="password-error">Use at least 10 characters.</p>"#
            ),
            (
                ["name": "A", "email": "a@example.com", "password": "qwertyuiop"],
                #"<p class="field__error" id="password-error">This password is one of the most common passwords; choose another.</p>"#
            ),
            // Not in the common-password list, so the policy's next rule is the one that refuses it.
            (
                ["name": "A", "email": "a@example.com", "password": "a@example.com"],
                #"<p class="field__error" id="password-error">Do not use your email address as your password.</p>"#
            ),
        ])
    func badSignUp(fields: [String: String], message: String) async throws {
        try await withPortal { client, dependencies in
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/signup")
            let response = try await browser.post("/signup", fields)
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains(message), "\(message)")
            #expect(
                response.text.components(separatedBy: #"class="field__error""#).count - 1 == 1, "one field is refused")
            #expect(
                response.text.contains(
                    #"<p class="flash flash--error" role="alert">Please correct the marked fields.</p>"#))
            let stored = try await dependencies.accounts("acme") {
                try await $0.account(kind: .customer, email: "a@example.com")
            }
            #expect(stored == nil)
            #expect(try await dependencies.outbox("acme").isEmpty)
        }
    }

    @Test("sign-up, sign-in and reset answers do not reveal whether an address has an account")
    func noEnumeration() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")

            let unknown = try await signIn(browser, email: "nobody@example.com", password: "whatever password")
            let wrong = try await signIn(browser, email: "ada@example.com", password: "wrong password!")
            #expect(unknown.status == wrong.status)
            #expect(Self.visibleText(unknown) == Self.visibleText(wrong))

            try await browser.get("/forgot-password")
            let resetKnown = try await browser.post("/forgot-password", ["email": "ada@example.com"])
            let resetUnknown = try await browser.post("/forgot-password", ["email": "nobody@example.com"])
            #expect(
                Self.visibleText(resetKnown).replacingOccurrences(of: "ada@", with: "X@")
                    == Self.visibleText(resetUnknown).replacingOccurrences(of: "nobody@", with: "X@"))

            try await browser.get("/signup")
            let existing = try await browser.post(
                "/signup", ["name": "Ada", "email": "ada@example.com", "password": "another long one"]
            )
            let fresh = try await browser.post(
                "/signup", ["name": "Bob", "email": "bob@example.com", "password": "another long one"]
            )
            #expect(existing.status == fresh.status)
            #expect(
                Self.visibleText(existing).replacingOccurrences(of: "ada@", with: "X@")
                    == Self.visibleText(fresh).replacingOccurrences(of: "bob@", with: "X@"))
            // The real owner of the address is told by email instead.
            let mails = try await dependencies.outbox("acme")
            #expect(
                mails.contains { $0.toAddress == "ada@example.com" && $0.subject.contains("already have an account") })
        }
    }

    @Test("every sign-in runs one Argon2id verification at full cost, whether or not the email exists")
    func constantWorkLogin() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies)
            let hasher = dependencies.accountServices.hasher
            #expect(hasher.decoyParameters == hasher.parameters)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/login")

            let before = hasher.verificationsPerformed
            _ = try await browser.post("/login", ["email": "nobody@example.com", "password": "whatever password"])
            let unknown = hasher.verificationsPerformed - before
            _ = try await browser.post("/login", ["email": "ada@example.com", "password": "wrong password!"])
            let known = hasher.verificationsPerformed - before - unknown

            #expect(unknown == 1)
            #expect(known == 1)
            #expect(try await hasher.verify("correct horse battery", against: nil, brand: "test") == false)
        }
    }

    @Test("the session cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/ and has no Domain")
    func cookieAttributes() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            let login = try await signIn(browser)
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("__Host-session=") })
            for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
                #expect(cookie.contains(attribute), "\(attribute)")
            }
            #expect(!cookie.lowercased().contains("domain="))
            let value = try #require(browser.cookies["__Host-session"])
            #expect(value.count == 43)  // 256 bits, base64url
            let stored = try await dependencies.accounts("acme") { store in
                try await store.sessions(
                    of: try #require(try await store.account(kind: .customer, email: "ada@example.com")).id)
            }
            #expect(stored.count == 1)
            #expect(stored.first?.idHash == SecureToken.hash(value))
            #expect(stored.first?.idHash != value)
        }
    }

    @Test("session fixation: an id planted before sign-in is not the session afterwards")
    func sessionFixation() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            let planted = SecureToken.generate()
            browser.setCookie("__Host-session", planted)
            try await signIn(browser)
            #expect(browser.cookies["__Host-session"] != planted)

            let attacker = TestBrowser(client, host: "acme.localhost")
            attacker.setCookie("__Host-session", planted)
            #expect(try await attacker.get("/account").status == .seeOther)
        }
    }

    @Test("a cookie replayed after sign-out, or copied to another tenant's host, is not a session")
    func replayAndCrossTenant() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies)
            try await makeAccount(dependencies, tenant: "globex")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            let stolen = try #require(browser.cookies["__Host-session"])

            let otherTenant = TestBrowser(client, host: "globex.localhost")
            otherTenant.setCookie("__Host-session", stolen)
            let crossed = try await otherTenant.get("/account")
            #expect(crossed.status == .seeOther)
            #expect(crossed.headers[.location]?.hasPrefix("/login") == true)

            try await browser.get("/account")
            try await browser.post("/logout", [:])
            let replay = TestBrowser(client, host: "acme.localhost")
            replay.setCookie("__Host-session", stolen)
            #expect(try await replay.get("/account").status == .seeOther)
        }
    }

    @Test("sessions end after 30 idle minutes and after 12 hours in any case")
    func sessionTimeouts() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            clock.advance(by: 29 * 60)
            #expect(try await browser.get("/account").status == .ok)
            clock.advance(by: 31 * 60)
            #expect(try await browser.get("/account").status == .seeOther)

            try await signIn(browser)
            for _ in 0..<25 {  // active every 29 minutes, still ended at 12 hours
                clock.advance(by: 29 * 60)
                _ = try await browser.get("/account")
            }
            #expect(try await browser.get("/account").status == .seeOther)
        }
    }

    @Test(
        "current-password checks are throttled like sign-in: after five wrong ones even the right one waits, with 429")
    func currentPasswordThrottled() async throws {
        try await withPortal { client, dependencies in
            let ada = try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            try await browser.get("/account/security")
            for attempt in 1...4 {
                let wrong = try await browser.post(
                    "/account/security/password",
                    ["current_password": "guess number \(attempt)", "new_password": "a brand new password"])
                #expect(wrong.status == .unprocessableContent, "attempt \(attempt)")
            }
            let fifth = try await browser.post(
                "/account/security/email", ["current_password": "guess number 5", "new_email": "x@example.com"])
            #expect(fifth.status == .tooManyRequests && fifth.headers[.retryAfter] != nil)
            let right = try await browser.post(
                "/account/security/password",
                ["current_password": "correct horse battery", "new_password": "a brand new password"])
            #expect(right.status == .tooManyRequests, "a stolen session cannot keep guessing")
            #expect(right.text.contains("Too many wrong passwords"))
            let stored = try await dependencies.accounts("acme") { try await $0.account(ada.id) }
            #expect(stored?.passwordHash == ada.passwordHash && stored?.email == ada.email, "nothing changed")
        }
    }

    @Test("a state change without the CSRF token or from another origin answers 403 and changes nothing")
    func csrf() async throws {
        try await withPortal { client, dependencies in
            let ada = try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            try await browser.get("/account/security")
            let change = ["current_password": "correct horse battery", "new_password": "a brand new password"]

            let missing = try await browser.post("/account/security/password", change, csrf: "")
            let wrong = try await browser.post("/account/security/password", change, csrf: SecureToken.generate())
            let crossSite = try await browser.post(
                "/account/security/password", change, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]
            )
            let otherOrigin = try await browser.post(
                "/account/security/password", change, headers: [HTTPField.Name("Origin")!: "http://evil.example"]
            )
            for response in [missing, wrong, crossSite, otherOrigin] {
                #expect(response.status == .forbidden)
            }
            let stored = try await dependencies.accounts("acme") { try await $0.account(ada.id) }
            #expect(stored?.passwordHash == ada.passwordHash)

            let allowed = try await browser.post("/account/security/password", change)
            #expect(allowed.status == .seeOther)
        }
    }

    @Test(
        "the fifth failed sign-in locks the account for 30 seconds and each further failure doubles it; 429 with the exact Retry-After; the lock ends with time, and after 15 minutes the count starts again"
    )
    func loginThrottle() async throws {
        let clock = TestClock.frozen()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            for _ in 0..<5 {
                #expect(try await signIn(browser, password: "not the password").status == .unauthorized)
            }
            // Even the right password waits out the lock.
            let locked = try await signIn(browser)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "30")
            #expect(
                locked.text.contains(
                    #"<p class="flash flash--error" role="alert">Too many sign-in attempts. Try again in 30 seconds.</p>"#
                ))
            clock.advance(by: 29)
            let almost = try await signIn(browser)
            #expect(almost.status == .tooManyRequests)
            #expect(almost.headers[.retryAfter] == "1")
            #expect(almost.text.contains("Too many sign-in attempts. Try again in 1 second."))

            // The lock is over after 30 seconds; the next failure in the same 15 minutes locks for twice as long.
            clock.advance(by: 1)
            #expect(try await signIn(browser, password: "not the password").status == .unauthorized)
            let longer = try await signIn(browser)
            #expect(longer.status == .tooManyRequests)
            #expect(longer.headers[.retryAfter] == "60")
            #expect(longer.text.contains("Too many sign-in attempts. Try again in 60 seconds."))
            clock.advance(by: 60)

            // Another tenant's account with the same address is not affected.
            try await makeAccount(dependencies, tenant: "globex")
            #expect(try await signIn(TestBrowser(client, host: "globex.localhost")).status == .seeOther)

            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries() }
            #expect(audit.filter { $0.action == "login.failed" }.count == 4)
            #expect(audit.filter { $0.action == "login.locked" }.count == 2)

            // Once unlocked, the right password signs in (and clears the count).
            #expect(try await signIn(browser).status == .seeOther)

            // Failures older than 15 minutes no longer count: four, then four more after the window, lock nothing.
            try await makeAccount(dependencies, email: "grace@example.com")
            let grace = TestBrowser(client, host: "acme.localhost")
            for _ in 0..<4 {
                #expect(
                    try await signIn(grace, email: "grace@example.com", password: "not the password").status
                        == .unauthorized)
            }
            clock.advance(by: 15 * 60 + 1)
            for _ in 0..<4 {
                #expect(
                    try await signIn(grace, email: "grace@example.com", password: "not the password").status
                        == .unauthorized)
            }
            #expect(try await signIn(grace, email: "grace@example.com").status == .seeOther)
        }
    }

    @Test(
        "a storm of guesses at a known email from many addresses never locks its owner out at their usual address"
    )
    func strangersCannotLockOut() async throws {
        let clock = TestClock.frozen()
        try await withPortal(configure: { $0.trustedProxies = [CIDR("127.0.0.1/32")!] }, clock: clock) {
            client, dependencies in
            try await makeAccount(dependencies)
            let home = "198.51.100.7"
            #expect(try await signIn(TestBrowser(client, host: "acme.localhost"), from: home).status == .seeOther)
            // Thirty wrong passwords, each from another address: no address backs off, the account does.
            for index in 1...30 {
                let guess = try await signIn(
                    TestBrowser(client, host: "acme.localhost"), password: "guess \(index)", from: "203.0.113.\(index)")
                #expect(guess.status == (index <= 10 ? .unauthorized : .tooManyRequests), "guess \(index)")
            }
            // Even the right password from a new address waits, with the exact Retry-After …
            let stranger = try await signIn(TestBrowser(client, host: "acme.localhost"), from: "192.0.2.55")
            #expect(stranger.status == .tooManyRequests)
            #expect(stranger.headers[.retryAfter] == "30")
            // … while the owner, at the address they signed in from before, gets in at once.
            #expect(try await signIn(TestBrowser(client, host: "acme.localhost"), from: home).status == .seeOther)
            // And the owner's wrong password from home counts against home only, like anyone's.
            for _ in 0..<5 {
                #expect(
                    try await signIn(TestBrowser(client, host: "acme.localhost"), password: "typo", from: home).status
                        == .unauthorized)
            }
            #expect(
                try await signIn(TestBrowser(client, host: "acme.localhost"), from: home).status == .tooManyRequests)
        }
    }

    @Test("one IPv6 /64 is one address: twenty failures across its hosts and accounts back the whole /64 off")
    func ipv6PrefixBacksOff() async throws {
        let clock = TestClock.frozen()
        try await withPortal(configure: { $0.trustedProxies = [CIDR("127.0.0.1/32")!] }, clock: clock) {
            client, dependencies in
            try await makeAccount(dependencies)
            for index in 1...20 {
                let answer = try await signIn(
                    TestBrowser(client, host: "acme.localhost"), email: "user\(index)@example.com", password: "x",
                    from: "2001:db8:7:7::\(String(index, radix: 16))")
                #expect(answer.status == .unauthorized, "attempt \(index)")
            }
            let sameNetwork = try await signIn(
                TestBrowser(client, host: "acme.localhost"), from: "2001:db8:7:7:ffff:1:2:3")
            #expect(sameNetwork.status == .tooManyRequests && sameNetwork.headers[.retryAfter] == "30")
            #expect(
                try await signIn(TestBrowser(client, host: "acme.localhost"), from: "2001:db8:7:8::1").status
                    == .seeOther, "the next /64 is another address")
            // Another brand keeps its own counts.
            try await makeAccount(dependencies, tenant: "globex")
            #expect(
                try await signIn(TestBrowser(client, host: "globex.localhost"), from: "2001:db8:7:7::99").status
                    == .seeOther)
        }
    }

    @Test(
        "100 sign-in, sign-up and reset requests from one address in 15 minutes are answered, the 101st is 429 with the exact Retry-After; another address has its own budget; after the window the address is answered again"
    )
    func perAddressLimit() async throws {
        let clock = TestClock.frozen()
        // Through a trusted proxy, so each request can say which client it comes from.
        try await withPortal(configure: { $0.trustedProxies = [CIDR("127.0.0.1/32")!] }, clock: clock) {
            client, dependencies in
            let first: HTTPFields = [.testForwardedFor: "203.0.113.10"]
            let second: HTTPFields = [.testForwardedFor: "203.0.113.20"]
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password", headers: first)  // pages are not counted, only posts
            // One budget for the three forms: 98 reset requests, a sign-up and a sign-in make 100.
            for index in 0..<98 {
                let response = try await browser.post(
                    "/forgot-password", ["email": "user\(index)@example.com"], headers: first)
                #expect(response.status == .ok, "request \(index + 1)")
            }
            let signUpAnswer = try await browser.post(
                "/signup", ["name": "", "email": "new@example.com", "password": "long enough pass"], headers: first)
            #expect(signUpAnswer.status == .unprocessableContent, "request 99")
            let signInAnswer = try await browser.post(
                "/login", ["email": "someone@example.com", "password": "x"], headers: first)
            #expect(signInAnswer.status == .unauthorized, "request 100")

            let limited = try await browser.post(
                "/login", ["email": "someone@example.com", "password": "x"], headers: first)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "900")
            #expect(
                limited.text.contains(
                    #"<p class="flash flash--error" role="alert">Too many sign-in attempts. Try again in 15 minutes.</p>"#
                ))
            let limitedReset = try await browser.post(
                "/forgot-password", ["email": "user0@example.com"], headers: first)
            #expect(limitedReset.status == .tooManyRequests && limitedReset.headers[.retryAfter] == "900")
            #expect(
                limitedReset.text.contains(
                    #"<p class="flash flash--error" role="alert">Too many requests. Try again in 15 minutes.</p>"#))
            let limitedSignUp = try await browser.post(
                "/signup", ["name": "", "email": "new@example.com", "password": "long enough pass"], headers: first)
            #expect(limitedSignUp.status == .tooManyRequests && limitedSignUp.headers[.retryAfter] == "900")
            #expect(
                limitedSignUp.text.contains(
                    #"<p class="flash flash--error" role="alert">Too many requests. Try again in 15 minutes.</p>"#))

            // Another client address has a budget of its own.
            #expect(
                try await browser.post("/login", ["email": "someone@example.com", "password": "x"], headers: second)
                    .status == .unauthorized)

            // Ten minutes on, the first address still waits the rest of the window.
            clock.advance(by: 10 * 60)
            let later = try await browser.post(
                "/login", ["email": "someone@example.com", "password": "x"], headers: first)
            #expect(later.status == .tooManyRequests && later.headers[.retryAfter] == "300")
            #expect(later.text.contains("Too many sign-in attempts. Try again in 5 minutes."))

            // Fifteen minutes after its first request, a new window: answered again.
            clock.advance(by: 5 * 60)
            #expect(
                try await browser.post("/login", ["email": "someone@example.com", "password": "x"], headers: first)
                    .status == .unauthorized)
            #expect(try await dependencies.outbox("acme").isEmpty, "none of the addresses has an account")
        }
    }

    @Test(
        "at most three reset emails an hour per address: the fourth request gets the same answer and sends nothing; another address has its own three; an hour later a fourth is sent"
    )
    func resetEmailLimit() async throws {
        let clock = TestClock.frozen()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            try await makeAccount(dependencies, email: "grace@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            func resetMails(to address: String) async throws -> Int {
                try await dependencies.outbox("acme").filter { $0.kind == "reset_password" && $0.toAddress == address }
                    .count
            }

            var answers: [String] = []
            for attempt in 1...4 {
                let answer = try await browser.post("/forgot-password", ["email": "ada@example.com"])
                #expect(answer.status == .ok, "request \(attempt)")
                #expect(
                    answer.text.contains(
                        #"<p class="flash" role="status">If ada@example.com has an account, we have sent it a link to reset the password.</p>"#
                    ))
                answers.append(Self.visibleText(answer))
                #expect(try await resetMails(to: "ada@example.com") == min(attempt, 3), "after request \(attempt)")
            }
            #expect(Set(answers).count == 1, "the throttled answer looks like the others")

            for attempt in 1...3 {
                #expect(try await browser.post("/forgot-password", ["email": "grace@example.com"]).status == .ok)
                #expect(try await resetMails(to: "grace@example.com") == attempt)
            }
            #expect(try await resetMails(to: "ada@example.com") == 3)

            clock.advance(by: 60 * 60)
            #expect(try await browser.post("/forgot-password", ["email": "ada@example.com"]).status == .ok)
            #expect(try await resetMails(to: "ada@example.com") == 4)
            let audit = try await dependencies.accounts("acme") {
                try await $0.auditEntries(action: "password.reset_requested")
            }
            #expect(audit.count == 3 + 3 + 1)
        }
    }

    @Test("a reset link works once, expires after 30 minutes, ends other sessions, and uses the primary domain")
    func passwordReset() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await makeAccount(dependencies)
            let other = TestBrowser(client, host: "acme.localhost")
            try await signIn(other)

            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            try await browser.post(
                "/forgot-password", ["email": "ada@example.com"],
                headers: [.testForwardedHost: "evil.example"]
            )
            let link = try #require(firstLink(in: try await dependencies.outbox("acme").first))
            #expect(link.hasPrefix("https://portal.acme.example/reset-password?token="))

            let form = try await browser.get(pathAndQuery(link))
            #expect(form.text.contains("Choose a new password"))
            let token = String(try #require(link.split(separator: "=").last))
            let weak = try await browser.post("/reset-password", ["token": token, "password": "short"])
            #expect(weak.status == .unprocessableContent)
            let done = try await browser.post("/reset-password", ["token": token, "password": "a fresh new password"])
            #expect(done.status == .seeOther)
            let reused = try await browser.post(
                "/reset-password", ["token": token, "password": "another fresh password"])
            #expect(reused.status == .gone)

            #expect(try await other.get("/account").status == .seeOther)
            #expect(try await signIn(browser, password: "a fresh new password").status == .seeOther)

            try await browser.get("/account")
            try await browser.post("/logout", [:])
            try await browser.get("/forgot-password")
            try await browser.post("/forgot-password", ["email": "ada@example.com"])
            let second = try #require(
                firstLink(in: try await dependencies.outbox("acme").first { $0.kind == "reset_password" }))
            clock.advance(by: 31 * 60)
            #expect(try await browser.get(pathAndQuery(second)).status == .gone)
        }
    }

    @Test("changing the password needs the current one, ends other sessions and renews this one")
    func changePassword() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies)
            let elsewhere = TestBrowser(client, host: "acme.localhost")
            try await signIn(elsewhere)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            let before = browser.cookies["__Host-session"]
            try await browser.get("/account/security")

            let wrong = try await browser.post(
                "/account/security/password",
                ["current_password": "nope nope nope", "new_password": "a brand new password"]
            )
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("This is not your current password."))

            let changed = try await browser.post(
                "/account/security/password",
                ["current_password": "correct horse battery", "new_password": "a brand new password"]
            )
            #expect(changed.status == .seeOther)
            #expect(browser.cookies["__Host-session"] != before)
            #expect(try await browser.get("/account/security").status == .ok)
            #expect(try await elsewhere.get("/account").status == .seeOther)
            let mails = try await dependencies.outbox("acme")
            #expect(mails.contains { $0.kind == "password_changed" })
        }
    }

    @Test("changing the email is confirmed by the new address and told to the old one")
    func changeEmail() async throws {
        try await withPortal { client, dependencies in
            let ada = try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            try await browser.get("/account/security")
            let requested = try await browser.post(
                "/account/security/email",
                ["new_email": "ada@newmail.example", "current_password": "correct horse battery"]
            )
            #expect(requested.status == .seeOther)
            let mails = try await dependencies.outbox("acme")
            #expect(mails.contains { $0.toAddress == "ada@example.com" && $0.kind == "change_email_notice" })
            let confirm = try #require(firstLink(in: mails.first { $0.toAddress == "ada@newmail.example" }))
            #expect(
                try await dependencies.accounts("acme") { try await $0.account(ada.id) }?.email == "ada@example.com")

            let confirmed = try await browser.get(pathAndQuery(confirm))
            #expect(confirmed.text.contains("Email address changed"))
            #expect(
                try await dependencies.accounts("acme") { try await $0.account(ada.id) }?.email == "ada@newmail.example"
            )
            #expect(
                try await signIn(TestBrowser(client, host: "acme.localhost"), email: "ada@newmail.example").status
                    == .seeOther)
        }
    }

    @Test("other sessions are listed and can be ended one by one or all at once")
    func sessionsList() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies)
            let first = TestBrowser(client, host: "acme.localhost")
            let second = TestBrowser(client, host: "acme.localhost")
            let third = TestBrowser(client, host: "acme.localhost")
            for browser in [first, second, third] { try await signIn(browser) }

            let page = try await first.get("/account/security")
            let references = page.text.matches(of: /name="session" value="([0-9a-f]{16})"/).map { String($0.1) }
            #expect(references.count == 2)
            try await first.post("/account/security/sessions/end", ["session": references[0]])
            let stillIn = [try await second.get("/account").status, try await third.get("/account").status]
            #expect(stillIn.filter { $0 == .ok }.count == 1)

            try await first.post("/account/security/sessions/end-others", [:])
            #expect(try await second.get("/account").status == .seeOther)
            #expect(try await third.get("/account").status == .seeOther)
            #expect(try await first.get("/account").status == .ok)

            // Another account's session cannot be ended through this form.
            let bad = try await first.post("/account/security/sessions/end", ["session": "0123456789abcdef"])
            #expect(bad.status == .notFound)
        }
    }

    @Test("a weaker stored hash is replaced at the next successful sign-in")
    func rehash() async throws {
        try await withPortal { client, dependencies in
            let weak = try PasswordHasher(parameters: .init(memoryKiB: 8192, iterations: 1, parallelism: 1))
            let hash = try await weak.hash("correct horse battery", brand: "test")
            let ada = try await dependencies.accounts("acme") {
                try await $0.createAccount(
                    kind: .customer, email: "ada@example.com", name: "Ada", passwordHash: hash,
                    emailVerified: true)
            }
            #expect(try await signIn(TestBrowser(client, host: "acme.localhost")).status == .seeOther)
            let stored = try #require(
                try await dependencies.accounts("acme") { try await $0.account(ada.id) }?.passwordHash)
            #expect(stored.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        }
    }

    @Test("the audit log is append-only")
    func auditAppendOnly() async throws {
        try await withPortal { _, dependencies in
            try await dependencies.accounts("acme") { try await $0.audit("test.entry", actor: nil) }
            await #expect(throws: (any Error).self) {
                try await dependencies.accounts("acme") { store in
                    try await store.pool.write { try $0.execute(sql: "UPDATE audit_log SET action = 'edited'") }
                }
            }
            await #expect(throws: (any Error).self) {
                try await dependencies.accounts("acme") { store in
                    try await store.pool.write { try $0.execute(sql: "DELETE FROM audit_log") }
                }
            }
        }
    }

    static func visibleText(_ response: BrowserResponse) -> String {
        response.text
            .replacing(/name="_csrf" value="[^"]+"/, with: "")
            .replacing(/Reference: <code>[0-9a-f]+<\/code>/, with: "")
            .replacing(/name="email" type="email" autocomplete="username" required value="[^"]*"/, with: "")
    }
}
