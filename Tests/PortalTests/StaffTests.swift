import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Staff accounts and roles")
struct StaffTests {
    enum Visitor: String, CaseIterable, Sendable {
        case owner, admin, support, customer, anonymous
    }

    enum Outcome: Equatable {
        case allowed, forbidden, signIn
    }

    /// Every staff route, and who may use it.
    static let matrix: [(method: String, path: String, allowed: Set<Visitor>)] = [
        ("GET", "/admin", [.owner, .admin, .support]),
        ("GET", "/admin/security", [.owner, .admin, .support]),
        ("GET", "/admin/staff", [.owner]),
        ("POST", "/admin/staff/invite", [.owner]),
        ("POST", "/admin/staff/TARGET/role", [.owner]),
        ("POST", "/admin/staff/TARGET/remove", [.owner]),
        ("GET", "/admin/audit", [.owner, .admin]),
        ("GET", "/admin/mailbox", [.owner]),
        ("POST", "/admin/security/sessions/end-others", [.owner, .admin, .support]),
        ("GET", "/admin/payments", [.owner]),
        ("POST", "/admin/payments", [.owner]),
        ("POST", "/admin/payments/currency", [.owner]),
        ("GET", "/admin/integrations", [.owner]),
        ("POST", "/admin/integrations", [.owner]),
        ("POST", "/admin/integrations/test", [.owner]),
        ("GET", "/admin/brand", [.owner, .admin]),
        ("POST", "/admin/brand", [.owner, .admin]),
        ("POST", "/admin/brand/publish", [.owner, .admin]),
        ("GET", "/admin/brand/preview", [.owner, .admin]),
        ("GET", "/admin/brand/emails", [.owner, .admin]),
        ("GET", "/admin/mail", [.owner, .admin]),
        ("GET", "/admin/products", [.owner, .admin, .support]),
        ("GET", "/admin/products/new?kind=ssl", [.owner, .admin]),
        ("POST", "/admin/products", [.owner, .admin]),
        ("POST", "/admin/products/sync", [.owner, .admin]),
        ("POST", "/admin/products/settings", [.owner]),
        ("POST", "/admin/products/categories", [.owner, .admin]),
        ("GET", "/admin/api-keys", [.owner]),
        ("POST", "/admin/api-keys", [.owner]),
        ("GET", "/admin/orders", [.owner, .admin, .support]),
        ("GET", "/admin/tickets", [.owner, .admin, .support]),
        ("GET", "/admin/help", [.owner, .admin, .support]),
        ("POST", "/admin/help/categories", [.owner, .admin]),
    ]

    @Test("every staff route against every role, a customer and an anonymous visitor")
    func roleMatrix() async throws {
        try await withPortal(configure: { $0.showMailbox = true }) { client, dependencies in
            try await twoFactorOptional(dependencies)
            let target = try await makeAccount(dependencies, kind: .staff, email: "target@acme.example", role: .admin)
            var browsers: [Visitor: TestBrowser] = [:]
            for visitor in Visitor.allCases {
                let browser = TestBrowser(client, host: "acme.localhost")
                switch visitor {
                case .owner, .admin, .support:
                    try await makeAccount(
                        dependencies, kind: .staff, email: "\(visitor)@acme.example",
                        role: Account.Role(rawValue: visitor.rawValue)
                    )
                    #expect(
                        try await signIn(browser, email: "\(visitor)@acme.example", staff: true).status == .seeOther)
                    try await browser.get("/admin")
                case .customer:
                    try await makeAccount(dependencies, email: "customer@acme.example")
                    try await signIn(browser, email: "customer@acme.example")
                    try await browser.get("/account")
                case .anonymous:
                    try await browser.get("/login")
                }
                browsers[visitor] = browser
            }

            for route in Self.matrix {
                for visitor in Visitor.allCases {
                    let browser = try #require(browsers[visitor])
                    let path = route.path.replacingOccurrences(of: "TARGET", with: "\(target.id)")
                    let response =
                        route.method == "GET"
                        ? try await browser.get(path)
                        : try await browser.post(path, ["role": "support", "email": "x\(visitor)@example.com"])
                    let outcome: Outcome? =
                        switch response.status.code {
                        case 403: .forbidden
                        case 303 where response.headers[.location]?.hasPrefix("/admin/login") == true: .signIn
                        case 200, 303, 409, 422: .allowed  // 409, 422: past the role check, refused by the rules
                        default: nil  // a 404 or 500 is none of the three, and fails the check below
                        }
                    let expected: Outcome =
                        route.allowed.contains(visitor)
                        ? .allowed : (visitor == .customer || visitor == .anonymous ? .signIn : .forbidden)
                    #expect(outcome == expected, "\(visitor) \(route.method) \(route.path) → \(response.status.code)")
                }
            }
        }
    }

    @Test("the owner invites a staff member, who sets a password from the emailed link and signs in")
    func invitation() async throws {
        try await withPortal(configure: { $0.showMailbox = true }) { client, dependencies in
            try await twoFactorOptional(dependencies)
            try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let owner = TestBrowser(client, host: "acme.localhost")
            try await signIn(owner, email: "owner@acme.example", staff: true)
            try await owner.get("/admin/staff")
            let invited = try await owner.post("/admin/staff/invite", ["email": "Sam@Acme.example", "role": "support"])
            #expect(invited.status == .seeOther)
            let duplicate = try await owner.post("/admin/staff/invite", ["email": "sam@acme.example", "role": "admin"])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.text.contains("already on your staff"))
            let badRole = try await owner.post("/admin/staff/invite", ["email": "x@acme.example", "role": "god"])
            #expect(badRole.status == .unprocessableContent)

            let link = try #require(
                firstLink(in: try await dependencies.outbox("acme").first { $0.kind == "staff_invite" }))
            #expect(link.hasPrefix("https://portal.acme.example/admin/accept-invite?token="))
            let sam = TestBrowser(client, host: "acme.localhost")
            let form = try await sam.get(pathAndQuery(link))
            #expect(form.text.contains("Set up your staff account"))
            let token = String(try #require(link.split(separator: "=").last))
            let accepted = try await sam.post(
                "/admin/accept-invite", ["token": token, "name": "Sam", "password": "support all day"])
            #expect(accepted.status == .seeOther)
            #expect(
                try await sam.post(
                    "/admin/accept-invite", ["token": token, "name": "Sam", "password": "again and again"]
                )
                .status == .gone)

            #expect(
                try await signIn(sam, email: "sam@acme.example", password: "support all day", staff: true).status
                    == .seeOther)
            let home = try await sam.get("/admin")
            #expect(home.text.contains("Welcome, Sam"))
            #expect(home.text.contains("<p>You are signed in to Acme Hosting as <strong>support</strong>.</p>"))
            // Staff credentials are not customer credentials.
            let asCustomer = try await signIn(
                TestBrowser(client, host: "acme.localhost"), email: "sam@acme.example",
                password: "support all day")
            #expect(asCustomer.status == .unauthorized)

            let audit = try await owner.get("/admin/audit?action=staff.invited")
            #expect(audit.text.contains("sam@acme.example"))
            let byActor = try await owner.get("/admin/audit?actor=sam%40acme")
            #expect(byActor.text.contains("staff.invite_accepted"))
            #expect(!byActor.text.contains("staff.invited"))
            let none = try await owner.get("/admin/audit?action=no.such.action")
            #expect(none.text.contains("Nothing matches these filters."))

            let mailbox = try await owner.get("/admin/mailbox")
            #expect(mailbox.text.contains("You are invited to join the team"))
            #expect(mailbox.text.contains("To sam@acme.example"))
            // One-time links are hidden here as in the mail log: the invitation cannot be taken from this page.
            #expect(mailbox.text.contains("token=[hidden]"))
            #expect(mailbox.text.firstMatch(of: /token=[A-Za-z0-9_\-]{16,}/) == nil)
        }
    }

    @Test("the last owner cannot be demoted or removed; a role change signs the member out")
    func lastOwner() async throws {
        try await withPortal { client, dependencies in
            try await twoFactorOptional(dependencies)
            let ownerAccount = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let adminAccount = try await makeAccount(
                dependencies, kind: .staff, email: "admin@acme.example", role: .admin)
            let owner = TestBrowser(client, host: "acme.localhost")
            try await signIn(owner, email: "owner@acme.example", staff: true)
            let admin = TestBrowser(client, host: "acme.localhost")
            try await signIn(admin, email: "admin@acme.example", staff: true)
            try await owner.get("/admin/staff")

            let demote = try await owner.post("/admin/staff/\(ownerAccount.id)/role", ["role": "admin"])
            #expect(demote.status == .conflict)
            #expect(demote.text.contains("at least one owner"))
            let remove = try await owner.post("/admin/staff/\(ownerAccount.id)/remove", [:])
            #expect(remove.status == .conflict)
            #expect(try await dependencies.accounts("acme") { try await $0.account(ownerAccount.id) }?.role == .owner)

            #expect(
                try await owner.post("/admin/staff/\(adminAccount.id)/role", ["role": "support"]).status == .seeOther)
            #expect(try await admin.get("/admin").status == .seeOther)
            #expect(try await owner.post("/admin/staff/999/remove", [:]).status == .notFound)
            #expect(try await owner.post("/admin/staff/\(adminAccount.id)/remove", [:]).status == .seeOther)
            #expect(try await dependencies.accounts("acme") { try await $0.account(adminAccount.id) } == nil)
        }
    }

    @Test("the mailbox exists only in demo and sandbox set-ups")
    func mailboxOnlyInDemo() async throws {
        try await withPortal { client, dependencies in
            try await twoFactorOptional(dependencies)
            try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let owner = TestBrowser(client, host: "acme.localhost")
            try await signIn(owner, email: "owner@acme.example", staff: true)
            #expect(try await owner.get("/admin/mailbox").status == .notFound)
        }
    }

    @Test("staff of one tenant cannot use another tenant's staff area")
    func crossTenantStaff() async throws {
        try await withPortal { client, dependencies in
            try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser, email: "owner@acme.example", staff: true)
            let session = try #require(browser.cookies["__Host-session"])
            let intruder = TestBrowser(client, host: "globex.localhost")
            intruder.setCookie("__Host-session", session)
            let response = try await intruder.get("/admin/staff")
            #expect(response.status == .seeOther)
            #expect(
                try await signIn(
                    TestBrowser(client, host: "globex.localhost"), email: "owner@acme.example",
                    staff: true
                ).status == .unauthorized)
        }
    }

    @Test("tenant add --owner-email prints a setup link that creates the owner's password")
    func ownerFromCLI() async throws {
        let folder = try TemporaryFolder()
        let cli = CLI(dataPath: folder.path)
        let outcome = await cli.run([
            "tenant", "add", "--slug", "initech", "--name", "Initech", "--owner-email",
            "Boss@Initech.example",
        ])
        #expect(outcome.exitCode == 0)
        let link = String(
            try #require(
                outcome.output.firstMatch(of: /http:\/\/initech\.localhost:\d+\/admin\/accept-invite\?token=\S+/)
            ).0)
        #expect(
            await cli.run(["tenant", "add", "--slug", "other", "--name", "O", "--owner-email", "nope"]).exitCode == 1)

        try await withExistingPortal(dataPath: folder.path) { client, dependencies in
            try await twoFactorOptional(dependencies, tenant: "initech")
            let browser = TestBrowser(client, host: "initech.localhost")
            let path = pathAndQuery(link)
            #expect(try await browser.get(path).status == .ok)
            let token = String(try #require(path.split(separator: "=").last))
            #expect(
                try await browser.post(
                    "/admin/accept-invite", ["token": token, "name": "Bill", "password": "tps reports 1999"]
                )
                .status == .seeOther)
            #expect(
                try await signIn(browser, email: "boss@initech.example", password: "tps reports 1999", staff: true)
                    .status == .seeOther)
            #expect(try await browser.get("/admin/staff").status == .ok)
        }
    }
}
