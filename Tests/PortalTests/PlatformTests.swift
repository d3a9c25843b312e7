import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Platform console")
struct PlatformTests {
    @Test("add-user prints a link; the user sets a password, must enrol two-factor, then sees the tenants")
    func platformUserJourney() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let cli = CLI(dataPath: folder.path)
        let added = await cli.run(["platform", "add-user", "--email", "Ops@Example.com"])
        #expect(added.exitCode == 0)
        let link = String(
            try #require(
                added.output.firstMatch(of: /http:\/\/platform\.localhost:\d+\/accept-invite\?token=\S+/)
            ).0)
        #expect(await cli.run(["platform", "add-user", "--email", "ops@example.com"]).exitCode == 1)

        let clock = TestClock()
        try await withExistingPortal(dataPath: folder.path, clock: clock) { client, dependencies in
            let browser = TestBrowser(client, host: "platform.localhost")
            let path = pathAndQuery(link)
            #expect(try await browser.get(path).status == .ok)
            let token = String(try #require(path.split(separator: "=").last))
            #expect(
                try await browser.post(
                    "/accept-invite", ["token": token, "name": "Ops", "password": "keep the lights on"]
                )
                .status == .seeOther)

            let login = try await signIn(browser, email: "ops@example.com", password: "keep the lights on")
            #expect(login.headers[.location] == "/")
            let home = try await browser.get("/")
            #expect(home.status == .seeOther)
            #expect(home.headers[.location] == "/security/two-factor")
            let setup = try await browser.get("/security/two-factor")
            #expect(setup.text.contains("<svg"))
            #expect(!setup.text.contains("Acme Hosting"))
            let account = try #require(
                try await dependencies.platform.accounts.account(kind: .platform, email: "ops@example.com"))
            let secret = try dependencies.accountServices.secrets.openBytes(
                try #require(account.totpPendingSecret), context: AccountFlows.TOTPSealing.context(account.id))
            let enabled = try await browser.post(
                "/security/two-factor", ["code": TOTP.code(secret: secret, step: TOTP.step(at: clock.now()))]
            )
            #expect(enabled.status == .ok)
            let tenants = try await browser.get("/")
            #expect(tenants.status == .ok)
            #expect(tenants.text.contains("acme") && tenants.text.contains("globex"))
            #expect(tenants.text.contains("portal.acme.example"))

            // Next sign-in asks for the second factor.
            clock.advance(by: 30)
            let again = TestBrowser(client, host: "platform.localhost")
            let password = try await signIn(again, email: "ops@example.com", password: "keep the lights on")
            #expect(password.headers[.location]?.hasPrefix("/login/two-factor") == true)
            try await again.get("/login/two-factor")
            let code = TOTP.code(secret: secret, step: TOTP.step(at: clock.now()))
            #expect(try await again.post("/login/two-factor", ["code": code]).status == .seeOther)
            #expect(try await again.get("/").status == .ok)

            let audit = try await again.get("/audit")
            #expect(audit.text.contains("2fa.enabled"))
        }
    }

    @Test("tenant credentials never work on the platform host, nor platform credentials on a tenant host")
    func realmsAreSeparate() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            try await makeAccount(dependencies, email: "ada@example.com")
            let hash = try await dependencies.accountServices.hasher.hash("platform password", brand: "test")
            _ = try await dependencies.platform.accounts.createAccount(
                kind: .platform, email: "ops@example.com", name: "Ops", passwordHash: hash, emailVerified: true
            )

            let onPlatform = TestBrowser(client, host: "platform.localhost")
            #expect(try await signIn(onPlatform, email: "owner@acme.example").status == .unauthorized)
            #expect(try await signIn(onPlatform, email: "ada@example.com").status == .unauthorized)

            let onTenant = TestBrowser(client, host: "acme.localhost")
            #expect(
                try await signIn(onTenant, email: "ops@example.com", password: "platform password").status
                    == .unauthorized)
            #expect(
                try await signIn(onTenant, email: "ops@example.com", password: "platform password", staff: true)
                    .status == .unauthorized)

            // A platform session cookie means nothing on a tenant host.
            #expect(
                try await signIn(onPlatform, email: "ops@example.com", password: "platform password").status
                    == .seeOther)
            let cookie = try #require(onPlatform.cookies["__Host-session"])
            let carried = TestBrowser(client, host: "acme.localhost")
            carried.setCookie("__Host-session", cookie)
            #expect(try await carried.get("/admin").status == .seeOther)
        }
    }

    @Test("the platform host shows no tenant pages, and tenant hosts show no console")
    func routesAreSeparate() async throws {
        try await withPortal { client, _ in
            let home = try await TestBrowser(client, host: "platform.localhost").get("/")
            #expect(home.status.code == 303)
            #expect(home.headers[.location]?.hasPrefix("/login") == true)
            #expect(try await client.get("/theme.css", host: "platform.localhost").status == .notFound)
            #expect(try await client.get("/signup", host: "platform.localhost").status == .notFound)
            let login = try await client.get("/login", host: "platform.localhost")
            #expect(login.text.contains("Platform sign in"))
            #expect(!login.text.contains("Acme") && !login.text.contains("Globex"))
            #expect(try await client.get("/health", host: "platform.localhost").status == .ok)
            #expect(try await client.get("/audit", host: "acme.localhost").status == .notFound)
        }
    }
}
