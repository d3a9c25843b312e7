import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// One POST route of the platform console (`buildPlatformRouter`), with a form that would change something if the
/// route accepted it. `path` may hold `{draft}` (the fixture's onboarding draft); form values may be `{session}`
/// (another session of the platform user) or `{code}` (the platform user's current TOTP code).
struct ConsolePost: Sendable {
    /// What the route needs before its handler runs.
    enum Gate: Sendable {
        /// A platform user signed in with password and second factor (`PlatformUserContext`, `PlatformEnrollmentContext`).
        case signedIn
        /// Signing out: open to anyone, so refusing it means "nothing to end here".
        case signOut
        /// Signing in, the second-factor challenge, password recovery and invitations: public by design (the visitor
        /// is not signed in yet), so only the cross-origin callers are expected to be refused there.
        case signInFlow
    }

    /// The route as registered, `{parameters}` included.
    let pattern: String
    let path: String
    let summary: String
    let form: [String: String]
    let gate: Gate

    init(_ pattern: String, _ path: String?, _ summary: String, _ form: [String: String] = [:], gate: Gate = .signedIn)
    {
        self.pattern = pattern
        self.path = path ?? pattern
        self.summary = summary
        self.form = form
        self.gate = gate
    }

    static let password = "keep the lights on"

    /// Every POST route the platform host answers; `matrixCoversEveryRoute` keeps this list complete.
    static let all: [ConsolePost] = [
        // PlatformController
        .init(
            "/tenants/{slug}/suspend", "/tenants/acme/suspend", "suspend a brand",
            ["reason": "Suspended by an intruder"]),
        .init("/tenants/{slug}/resume", "/tenants/globex/resume", "resume a suspended brand"),
        .init("/tenants/{slug}/health", "/tenants/acme/health", "measure a brand's health now"),
        .init("/tenants/{slug}/export", "/tenants/acme/export", "write an export archive of a brand"),
        .init("/tenants/{slug}/backup", "/tenants/acme/backup", "take a backup of a brand"),
        // NodesConsoleController (one node here: even the platform user's own request finds no cluster to change)
        .init("/nodes/move", nil, "move a brand to another node", ["slug": "acme", "to": "node-2"]),
        .init("/nodes/recover", nil, "recover a dead node's brands onto this one", ["node": "node-1"]),
        // OnboardingController: the brand step starts a draft; each later step and create act on the fixture's draft.
        .init(
            "/onboarding", "/onboarding", "start an onboarding draft", ["slug": "intruder", "name": "Intruder Hosting"]),
        .init(
            "/onboarding/{draft}/{step}", "/onboarding/{draft}/brand", "change the draft's slug and name",
            ["slug": "hijacked", "name": "Hijacked Hosting"]),
        .init(
            "/onboarding/{draft}/{step}", "/onboarding/{draft}/domains", "change the draft's custom domains",
            ["domains": "portal.hijacked.example"]),
        .init(
            "/onboarding/{draft}/{step}", "/onboarding/{draft}/owner", "change the draft's owner",
            ["owner_email": "intruder@evil.example"]),
        .init(
            "/onboarding/{draft}/{step}", "/onboarding/{draft}/connection", "point the draft at other upstreams",
            [
                "mode": "live", "whmcs_url": "https://billing.intruder.invalid", "whmcs_identifier": "intruder",
                "whm_url": "https://whm.intruder.invalid:2087",
            ]),
        .init(
            "/onboarding/{draft}/{step}", "/onboarding/{draft}/mapping", "map the draft to another reseller",
            ["reseller": "existing", "reseller_user": "intruder", "whmcs_group_id": "7"]),
        .init("/onboarding/{draft}/create", "/onboarding/{draft}/create", "create the brand from the draft"),
        // SecurityController (basePath "")
        .init(
            "/security/password", nil, "change the password",
            ["current_password": ConsolePost.password, "new_password": "an intruder's passphrase 42"]),
        .init(
            "/security/email", nil, "change the email address",
            ["new_email": "intruder@evil.example", "current_password": ConsolePost.password]),
        .init("/security/sessions/end", nil, "end another session", ["session": "{session}"]),
        .init("/security/sessions/end-others", nil, "end every other session"),
        // TwoFactorController (basePath "", the enrolment group)
        .init("/security/two-factor", nil, "enable two-factor", ["code": "{code}"]),
        .init(
            "/security/two-factor/disable", nil, "disable two-factor",
            ["current_password": ConsolePost.password, "code": "{code}"]),
        .init(
            "/security/two-factor/recovery-codes", nil, "renew the recovery codes",
            ["current_password": ConsolePost.password]),
        // AuthController(area: .platform)
        .init(
            "/login", nil, "sign in", ["email": "ops@example.com", "password": ConsolePost.password], gate: .signInFlow),
        .init("/login/two-factor", nil, "answer the second-factor challenge", ["code": "{code}"], gate: .signInFlow),
        .init("/forgot-password", nil, "ask for a password reset", ["email": "ops@example.com"], gate: .signInFlow),
        .init(
            "/reset-password", nil, "reset the password",
            ["token": "not-a-real-token", "password": "an intruder's passphrase 42"],
            gate: .signInFlow),
        .init(
            "/accept-invite", nil, "accept an invitation",
            ["token": "not-a-real-token", "name": "Intruder", "password": "an intruder's passphrase 42"],
            gate: .signInFlow),
        // Last: if it ever were accepted, it would end the session the rest of the matrix uses.
        .init("/logout", nil, "sign out", gate: .signOut),
    ]
}

/// Who sends the request.
enum ConsoleCaller: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case anonymous, secondFactorPending, crossOriginHeader, crossSiteFetch, tenantStaff

    var testDescription: String {
        switch self {
        case .anonymous: "an anonymous visitor with a valid anonymous CSRF cookie and token"
        case .secondFactorPending: "a platform user who entered the password but not the second factor"
        case .crossOriginHeader: "the signed-in platform user's session and token, from Origin https://evil.example"
        case .crossSiteFetch: "the signed-in platform user's session and token, sent with Sec-Fetch-Site: cross-site"
        case .tenantStaff: "acme's signed-in owner, session cookie and token carried to the platform host"
        }
    }

    enum Refusal {
        /// 303 to the sign-in page, from `ErrorPageMiddleware` (`AccessError.signInRequired`) or the sign-out handler.
        case signIn
        /// 403 from `CSRFCheck` (`CSRFError.crossOrigin`).
        case crossOrigin
    }

    /// What this caller gets from `route`; nil where the route is open to it by design.
    func refusal(of route: ConsolePost) -> Refusal? {
        switch (self, route.gate) {
        case (.crossOriginHeader, _), (.crossSiteFetch, _): .crossOrigin
        case (_, .signInFlow): nil
        // Half-signed-in browsers may sign out: that is their way back to the sign-in form.
        case (.secondFactorPending, .signOut): nil
        default: .signIn
        }
    }
}

/// Everything the console's POST routes could change, read from the platform database, the data folder and (for the
/// in-memory onboarding draft) the console's own pages.
struct ConsoleState: Equatable, Sendable {
    var tenants: [String]
    var domains: [String]
    var health: [String]
    var audit: [String]
    var outbox: Int
    var tokens: Int
    var exports: [String]
    var backups: [String]
    var user: Account?
    var recoveryCodes: Int
    var sessions: [String]
    var draft: [String]

    static func read(_ dependencies: PortalDependencies, user: Account.ID, console: TestBrowser, draft: String)
        async throws
        -> ConsoleState
    {
        let (platform, backups) = (dependencies.platform, dependencies.backups)
        let exportsFolder = dependencies.dataDirectory.root.appendingPathComponent("exports", isDirectory: true).path
        let (tenants, domains, health, backupNames, exports) = try await BlockingIO.run {
            () throws -> ([String], [String], [String], [String], [String]) in
            let all = try platform.allTenants()
            let slugs = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.slug.rawValue) })
            let tenants = all.map {
                "\($0.slug.rawValue) \($0.name) \($0.status.rawValue) reason=\($0.statusReason) maintenance=\($0.maintenanceSince != nil)"
            }
            let domains = try platform.allDomains().map { "\($0.hostname) \($0.status)" }
            let health = try platform.health().map {
                "\(slugs[$0.key] ?? "?") checked \($0.value.checkedAt.timeIntervalSince1970)"
            }
            let backupNames = try backups.list().map(\.url.lastPathComponent)
            let exports = FileManager.default.subpaths(atPath: exportsFolder) ?? []
            return (tenants.sorted(), domains.sorted(), health.sorted(), backupNames.sorted(), exports.sorted())
        }
        let store = platform.accounts
        let audit = try await store.auditEntries(limit: 100_000).map { "\($0.id) \($0.action) \($0.target)" }
        let outbox = try await store.outbox(limit: 100_000).count
        let tokens = try await platform.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM account_tokens") ?? 0
        }
        let account = try await store.account(user)
        let recoveryCodes = try await store.unusedRecoveryCodes(for: user)
        let sessions = try await store.sessions(of: user).map { "\($0.idHash) pending=\($0.secondFactorPending)" }
            .sorted()

        // The draft lives in memory: read how far it got and what each open step's form holds.
        let review = try await console.get("\(draft)/review")
        var draftState = ["reached: \(review.headers[.location] ?? "review")"]
        for step in ["brand", "domains", "owner", "connection"] {
            let page = try await console.get("\(draft)/\(step)")
            let form =
                page.text.firstMatch(of: /<form method="post" action="\/onboarding[\s\S]*?<\/form>/).map {
                    String($0.0)
                } ?? ""
            draftState.append("\(step) \(page.status.code): " + form.replacing(/name="_csrf" value="[^"]*"/, with: ""))
        }
        return ConsoleState(
            tenants: tenants, domains: domains, health: health, audit: audit, outbox: outbox, tokens: tokens,
            exports: exports,
            backups: backupNames, user: account, recoveryCodes: recoveryCodes, sessions: sessions, draft: draftState
        )
    }

    /// What differs from `before`, one line per part, for the failure message.
    func changes(since before: ConsoleState) -> [String] {
        var changed: [String] = []
        if tenants != before.tenants { changed.append("tenants \(before.tenants) → \(tenants)") }
        if domains != before.domains { changed.append("domains \(before.domains) → \(domains)") }
        if health != before.health { changed.append("health \(before.health) → \(health)") }
        if audit != before.audit { changed.append("audit log +\(audit.filter { !before.audit.contains($0) })") }
        if outbox != before.outbox { changed.append("platform outbox \(before.outbox) → \(outbox)") }
        if tokens != before.tokens { changed.append("one-time tokens \(before.tokens) → \(tokens)") }
        if exports != before.exports { changed.append("exports \(before.exports) → \(exports)") }
        if backups != before.backups { changed.append("backups \(before.backups) → \(backups)") }
        if user != before.user { changed.append("platform user (password, email or two-factor)") }
        if recoveryCodes != before.recoveryCodes {
            changed.append("recovery codes \(before.recoveryCodes) → \(recoveryCodes)")
        }
        if sessions != before.sessions { changed.append("sessions \(before.sessions) → \(sessions)") }
        if draft != before.draft { changed.append("onboarding draft \(zip(before.draft, draft).filter { $0 != $1 })") }
        return changed
    }
}

/// The people and browsers of the matrix, all on one running portal.
struct ConsoleAccessFixture: Sendable {
    /// The platform user ops@example.com, signed in with password and TOTP; reads the state, sends the control.
    let console: TestBrowser
    let consoleToken: String
    let consoleSession: String
    let user: Account.ID
    let secret: [UInt8]
    /// The onboarding draft's path, `/onboarding/<id>`, with brand, domains and owner done.
    let draft: String
    let anonymous: TestBrowser
    let anonymousToken: String
    let pending: TestBrowser
    let pendingToken: String
    let pendingSession: String
    /// The session references `…/sessions/end` takes: the first 16 characters of the session's id hash.
    let consoleReference: String
    let pendingReference: String
    /// acme's owner, fully signed in on acme.localhost.
    let staff: TestBrowser
    let staffToken: String
    let staffSession: String

    static func make(_ client: any TestClientProtocol, _ dependencies: PortalDependencies, clock: TestClock)
        async throws
        -> ConsoleAccessFixture
    {
        // globex is suspended so that "resume" has something to undo.
        let globex = try TenantSlug(validating: "globex")
        let platform = dependencies.platform
        _ = try await BlockingIO.run {
            try platform.setStatus(.suspended, slug: globex, reason: "Arranged by the test")
        }
        try await dependencies.registry.reload()

        let console = try await consoleBrowser(client, dependencies, clock: clock)
        let account = try await platform.accounts.account(kind: .platform, email: "ops@example.com")
        let user = try #require(account).id
        try await console.get("/onboarding")
        let brand = try await console.post("/onboarding", ["slug": "initech", "name": "Initech Hosting"])
        let draft = try #require(brand.headers[.location]?.replacingOccurrences(of: "/domains", with: ""))
        try await console.get("\(draft)/domains")
        #expect(try await console.post("\(draft)/domains", ["domains": "portal.initech.example"]).status == .seeOther)
        try await console.get("\(draft)/owner")
        #expect(try await console.post("\(draft)/owner", ["owner_email": "owner@initech.example"]).status == .seeOther)
        let tenantPage = try await console.get("/tenants/acme")
        let consoleToken = try #require(csrfToken(in: tenantPage.text))

        let anonymous = TestBrowser(client, host: "platform.localhost")
        let loginPage = try await anonymous.get("/login")
        let anonymousToken = try #require(csrfToken(in: loginPage.text))
        #expect(
            anonymous.cookies[SessionCookie.csrf] == anonymousToken, "the anonymous cookie and form token are a pair")

        let pending = TestBrowser(client, host: "platform.localhost")
        let passwordOnly = try await signIn(pending, email: "ops@example.com", password: ConsolePost.password)
        #expect(
            passwordOnly.headers[.location]?.hasPrefix("/login/two-factor") == true,
            "the password alone leaves the second factor pending")
        let challengePage = try await pending.get("/login/two-factor")
        #expect(challengePage.status == .ok)
        let pendingToken = try #require(csrfToken(in: challengePage.text))

        let sessions = try await platform.accounts.sessions(of: user)
        let consoleReference = String(try #require(sessions.first { !$0.secondFactorPending }).idHash.prefix(16))
        let pendingReference = String(try #require(sessions.first { $0.secondFactorPending }).idHash.prefix(16))

        try await twoFactorOptional(dependencies)
        _ = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example", role: .owner)
        let staff = TestBrowser(client, host: "acme.localhost")
        #expect(try await signIn(staff, email: "owner@acme.example", staff: true).status == .seeOther)
        let staffPage = try await staff.get("/admin/security")
        #expect(staffPage.status == .ok, "acme's owner is fully signed in on acme")

        return ConsoleAccessFixture(
            console: console, consoleToken: consoleToken,
            consoleSession: try #require(console.cookies[SessionCookie.session]),
            user: user, secret: Array("12345678901234567890".utf8), draft: draft,
            anonymous: anonymous, anonymousToken: anonymousToken,
            pending: pending, pendingToken: pendingToken,
            pendingSession: try #require(pending.cookies[SessionCookie.session]),
            consoleReference: consoleReference, pendingReference: pendingReference,
            staff: staff, staffToken: try #require(csrfToken(in: staffPage.text)),
            staffSession: try #require(staff.cookies[SessionCookie.session])
        )
    }

    /// Sends `route` as `caller` would, with fresh cookies each time so one answer cannot disarm the next request.
    func send(_ route: ConsolePost, as caller: ConsoleCaller, _ client: any TestClientProtocol, clock: TestClock)
        async throws -> (path: String, response: BrowserResponse)
    {
        let path = route.path.replacingOccurrences(of: "/onboarding/{draft}", with: draft)
        let code = TOTP.code(secret: secret, step: TOTP.step(at: clock.now()))
        let otherSession = caller == .secondFactorPending ? consoleReference : pendingReference
        let form = route.form.mapValues { $0 == "{code}" ? code : $0 == "{session}" ? otherSession : $0 }
        let response: BrowserResponse
        switch caller {
        case .anonymous:
            anonymous.setCookie(SessionCookie.session, nil)
            anonymous.setCookie(SessionCookie.csrf, anonymousToken)
            response = try await anonymous.post(path, form, csrf: anonymousToken)
        case .secondFactorPending:
            pending.setCookie(SessionCookie.session, pendingSession)
            response = try await pending.post(path, form, csrf: pendingToken)
        case .crossOriginHeader, .crossSiteFetch:
            // The victim's own browser: the console's cookie and token, sent by a page on another site.
            let forged = TestBrowser(client, host: "platform.localhost")
            forged.setCookie(SessionCookie.session, consoleSession)
            let header: HTTPFields =
                caller == .crossOriginHeader
                ? [HTTPField.Name("Origin")!: "https://evil.example"]
                : [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]
            response = try await forged.post(path, form, csrf: consoleToken, headers: header)
        case .tenantStaff:
            // The staff session's cookie, and its token as a double-submit pair, so only the realm can refuse it.
            let carried = TestBrowser(client, host: "platform.localhost")
            carried.setCookie(SessionCookie.session, staffSession)
            carried.setCookie(SessionCookie.csrf, staffToken)
            response = try await carried.post(path, form, csrf: staffToken)
        }
        return (path, response)
    }
}

/// The CSRF token in a page's first form.
fileprivate func csrfToken(in html: String) -> String? {
    html.firstMatch(of: /name="_csrf" value="([^"]+)"/).map { String($0.1) }
}

@Suite("Platform console access")
struct ConsoleAccessTests {
    @Test("the access matrix lists every POST route the platform console registers")
    func matrixCoversEveryRoute() async throws {
        try await withPortal { _, dependencies in
            let router = buildPlatformRouter(
                dependencies, logger: Logger(label: "routes", factory: { _ in SwiftLogNoOpLogHandler() }))

            let registered = Set(router.routes.filter { $0.method == .post }.map(\.path.description))
            let listed = Set(ConsolePost.all.map(\.pattern))

            #expect(
                registered == listed,
                "missing from the matrix: \(registered.subtracting(listed).sorted()); listed but not registered: \(listed.subtracting(registered).sorted())"
            )
            #expect(!registered.isEmpty)
        }
    }

    @Test(
        "every console POST from a caller without a full, same-origin platform sign-in is refused and changes nothing",
        arguments: ConsoleCaller.allCases
    )
    func refusedAndUnchanged(_ caller: ConsoleCaller) async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            // Arrange
            let fixture = try await ConsoleAccessFixture.make(client, dependencies, clock: clock)
            let before = try await ConsoleState.read(
                dependencies, user: fixture.user, console: fixture.console, draft: fixture.draft)
            #expect(
                before.draft.first == "reached: \(fixture.draft)/connection",
                "the draft has brand, domains and owner done")
            var checked = 0

            for route in ConsolePost.all {
                guard let refusal = caller.refusal(of: route) else { continue }
                // Act
                let (path, response) = try await fixture.send(route, as: caller, client, clock: clock)

                // Assert
                let what = "POST \(path) (\(route.summary)) from \(caller.testDescription)"
                let location = response.headers[.location] ?? ""
                switch refusal {
                case .signIn:
                    #expect(
                        response.status == .seeOther
                            && (location == "/login" || location.hasPrefix("/login?")
                                || location.hasPrefix("/login/two-factor")),
                        "\(what): expected 303 to the sign-in page, got \(response.status.code) \(location)"
                    )
                case .crossOrigin:
                    #expect(
                        response.status == .forbidden, "\(what): expected 403, got \(response.status.code) \(location)")
                    #expect(response.text.contains("came from another site"), "\(what): refused by the CSRF check")
                }
                let after = try await ConsoleState.read(
                    dependencies, user: fixture.user, console: fixture.console, draft: fixture.draft)
                let changes = after.changes(since: before)
                #expect(changes.isEmpty, "\(what) changed: \(changes.joined(separator: "; "))")
                checked += 1
            }
            #expect(checked >= 19, "every console route was tried")

            // Control: the same session and token from the console's own origin are accepted, and the snapshot sees it.
            let measured = try await fixture.console.post("/tenants/acme/health", [:], csrf: fixture.consoleToken)
            #expect(measured.status == .seeOther)
            #expect(measured.headers[.location] == "/tenants/acme?done=measured")
            let controlled = try await ConsoleState.read(
                dependencies, user: fixture.user, console: fixture.console, draft: fixture.draft)
            let changes = controlled.changes(since: before)
            #expect(changes.contains { $0.hasPrefix("health") }, "\(changes)")
            #expect(
                changes.contains { $0.hasPrefix("audit log") && $0.contains("tenant.health_measured") }, "\(changes)")
            // The carried cookie did nothing to the staff member's own session on acme.
            #expect(try await fixture.staff.get("/admin/security").status == .ok)
        }
    }
}
