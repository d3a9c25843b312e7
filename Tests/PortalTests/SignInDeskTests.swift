import Foundation
import Tenancy
import Testing

@testable import Portal

/// Signing in, reset links and invitations on the brand's own database, without HTTP.
@Suite("Sign-in desk")
struct SignInDeskTests {
    static let origin = RequestOrigin(clientAddress: "203.0.113.9")

    static func signIn(
        _ dependencies: PortalDependencies, _ slug: String, email: String, password: String,
        kind: Account.Kind = .customer, replacing previous: String? = nil, from origin: RequestOrigin = origin
    ) async throws -> SignInDesk.SignIn {
        try await SignInDesk(flows: dependencies.accountFlows).signIn(
            kind, email: email, password: password, replacing: previous, userAgent: "test", origin: origin,
            in: dependencies.tenantRealm(try dependencies.registryTenant(slug)))
    }

    /// The token in the newest reset email to `address` in the brand's outbox.
    static func mailedToken(_ dependencies: PortalDependencies, _ slug: String, to address: String) async throws
        -> String?
    {
        let mails = try await dependencies.accounts(slug) { try await $0.outbox() }
        guard let mail = mails.first(where: { $0.toAddress == address && $0.kind == "reset_password" }),
            let range = mail.textBody.range(of: #"token=[A-Za-z0-9_-]+"#, options: .regularExpression)
        else { return nil }
        return String(mail.textBody[range].dropFirst("token=".count))
    }

    @Test("the right password starts a session and ends the old one; a wrong one or another brand's account is refused")
    func signInRules() async throws {
        try await withDependencies { dependencies in
            let ada = try await makeAccount(dependencies, email: "ada@example.com")
            guard
                case .signedIn(let cookie, let pending) = try await Self.signIn(
                    dependencies, "acme", email: " ADA@example.com ", password: "correct horse battery")
            else { Issue.record("not signed in"); return }
            #expect(!pending && cookie.hasPrefix(SessionCookie.session + "="))
            let token = String(cookie.dropFirst(SessionCookie.session.count + 1).prefix { $0 != ";" })
            // Signing in again from the same browser replaces its session rather than adding one.
            _ = try await Self.signIn(
                dependencies, "acme", email: "ada@example.com", password: "correct horse battery", replacing: token)
            let sessions = try await dependencies.accounts("acme") { try await $0.sessions(of: ada.id) }
            #expect(sessions.count == 1 && sessions.first?.idHash != SecureToken.hash(token))

            #expect(
                try await Self.signIn(dependencies, "acme", email: "ada@example.com", password: "wrong horse battery")
                    == .refused)
            // The same address at another brand is another person, with no account there.
            #expect(
                try await Self.signIn(
                    dependencies, "globex", email: "ada@example.com", password: "correct horse battery")
                    == .refused)
            // A customer's password does not open the staff area.
            #expect(
                try await Self.signIn(
                    dependencies, "acme", email: "ada@example.com", password: "correct horse battery", kind: .staff)
                    == .refused)
            let failures = try await dependencies.accounts("acme") { try await $0.auditEntries(action: "login.failed") }
            #expect(failures.count == 2)
        }
    }

    @Test("five wrong passwords lock the address at that brand only, with the wait to show")
    func lockout() async throws {
        try await withDependencies { dependencies in
            _ = try await makeAccount(dependencies, email: "ada@example.com")
            _ = try await makeAccount(dependencies, tenant: "globex", email: "ada@example.com")
            for _ in 0..<AuthLimits.failedLogins.limit {
                #expect(
                    try await Self.signIn(dependencies, "acme", email: "ada@example.com", password: "nope nope nope")
                        == .refused)
            }
            guard
                case .throttled(let wait) = try await Self.signIn(
                    dependencies, "acme", email: "ada@example.com", password: "correct horse battery")
            else { Issue.record("not throttled"); return }
            #expect(wait > 0)
            let globex = try await Self.signIn(
                dependencies, "globex", email: "ada@example.com", password: "correct horse battery")
            guard case .signedIn = globex else { Issue.record("globex throttled by acme's failures"); return }
        }
    }

    @Test("a reset link goes only to an existing account, at most three an hour, and the answer never tells which")
    func resetRequests() async throws {
        try await withDependencies { dependencies in
            _ = try await makeAccount(dependencies, email: "ada@example.com")
            let desk = SignInDesk(flows: dependencies.accountFlows)
            let realm = dependencies.tenantRealm(try dependencies.registryTenant("acme"))
            func ask(_ email: String) async throws -> String? {
                try await desk.requestReset(.customer, email: email, resetPath: "/reset-password", ip: "", in: realm)
            }
            #expect(try await ask("not an address") == nil)
            #expect(try await ask("nobody@example.com") == "nobody@example.com")
            for _ in 0..<5 { #expect(try await ask("Ada@Example.com") == "ada@example.com") }
            let mails = try await dependencies.accounts("acme") { try await $0.outbox() }
            #expect(
                mails.filter { $0.kind == "reset_password" }.map(\.toAddress)
                    == Array(repeating: "ada@example.com", count: 3))
            let globex = try await dependencies.accounts("globex") { try await $0.outbox() }
            #expect(globex.isEmpty)
        }
    }

    @Test("a reset link with a weak password stays usable; a good one sets it, ends sessions and is used up")
    func useResetLink() async throws {
        try await withDependencies { dependencies in
            let ada = try await makeAccount(dependencies, email: "ada@example.com")
            let desk = SignInDesk(flows: dependencies.accountFlows)
            let acme = dependencies.tenantRealm(try dependencies.registryTenant("acme"))
            let globex = dependencies.tenantRealm(try dependencies.registryTenant("globex"))
            _ = try await desk.requestReset(.customer, email: ada.email, resetPath: "/reset-password", ip: "", in: acme)
            let token = try #require(try await Self.mailedToken(dependencies, "acme", to: ada.email))
            _ = try await Self.signIn(dependencies, "acme", email: ada.email, password: "correct horse battery")

            let weak = try await desk.useLink(
                token, purpose: .resetPassword, kind: .customer, password: "short", name: "", ip: "", in: acme)
            guard case .rejected(let passwordError?, nil) = weak else { Issue.record("\(weak)"); return }
            #expect(!passwordError.isEmpty)
            // Another brand, another kind of account, or the wrong purpose: the link is not theirs.
            #expect(
                try await desk.useLink(
                    token, purpose: .resetPassword, kind: .customer, password: "a much better password", name: "",
                    ip: "", in: globex) == .invalidLink)
            #expect(
                try await desk.useLink(
                    token, purpose: .resetPassword, kind: .staff, password: "a much better password", name: "",
                    ip: "", in: acme) == .invalidLink)
            #expect(
                try await desk.useLink(
                    token, purpose: .invite, kind: .customer, password: "a much better password", name: "Ada",
                    ip: "", in: acme) == .invalidLink)

            #expect(
                try await desk.useLink(
                    token, purpose: .resetPassword, kind: .customer, password: "a much better password", name: "",
                    ip: "", in: acme) == .done)
            #expect(
                try await desk.useLink(
                    token, purpose: .resetPassword, kind: .customer, password: "yet another password", name: "",
                    ip: "", in: acme) == .invalidLink)
            let sessions = try await dependencies.accounts("acme") { try await $0.sessions(of: ada.id) }
            #expect(sessions.isEmpty)
            #expect(
                try await Self.signIn(dependencies, "acme", email: ada.email, password: "correct horse battery")
                    == .refused)
            guard
                case .signedIn = try await Self.signIn(
                    dependencies, "acme", email: ada.email, password: "a much better password")
            else { Issue.record("new password refused"); return }
        }
    }
}
