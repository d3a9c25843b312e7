import Foundation
import Integrations
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// An in-memory reseller: the cPanel sessions it made.
final class InMemoryPanels: ControlPanelSessions {
    private let made = Mutex<[String]>([])
    var sessions: [String] { made.withLock { $0 } }

    func controlPanelURL(for username: String, page: ControlPanelShortcut) async throws -> String {
        made.withLock { $0.append(page == .home ? username : "\(username) \(page.rawValue)") }
        return "https://server.example:2083/cpsess1/login/?session=\(username)"
    }

    func usage(for username: String) async throws -> WHMUsage? {
        WHMUsage(diskUsedMB: 512, diskLimitMB: 10_240, bandwidthUsedBytes: 1 << 30, bandwidthLimitBytes: nil)
    }
}

/// A customer's hosting service through `HostingDesk`, on an in-memory WHM; no HTTP, no simulator.
@Suite("Hosting desk")
struct HostingDeskTests {
    static func desk(_ dependencies: PortalDependencies, _ panels: InMemoryPanels, clock: TestClock) -> HostingDesk {
        HostingDesk(
            databases: dependencies.databases, hasher: dependencies.accountServices.hasher, throttle: LoginThrottle(),
            openPassword: { sealed, _ in String(decoding: sealed, as: UTF8.self) }, panels: { _ in panels },
            now: clock.now)
    }

    /// Service 7 on `ada.example` with an active hosting account whose (test-)sealed password is "hunter2-cpanel".
    static func seed(
        _ dependencies: PortalDependencies, _ account: Account, _ tenant: Tenant, status: String = "Active"
    )
        async throws
    {
        try await dependencies.databases.withDatabase(for: tenant) { database in
            let pending = try await database.upstreams.pendingHostingAccount(
                account: account.id, domain: "ada.example", plan: "racme_starter", reseller: "racme",
                username: { "adaexamp0001" }, sealedPassword: Data("hunter2-cpanel".utf8))
            _ = try await database.upstreams.activateHostingAccount(pending.id, nameservers: [])
            try await database.billing.replace(
                account.id, services: [ServiceChangesTests.service(of: account, status: status)], invoices: [])
        }
    }

    @Test("the password shows only after the account password; wrong ones are throttled; each reveal is audited")
    func reveal() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            try await Self.seed(dependencies, ada, acme)
            let desk = Self.desk(dependencies, InMemoryPanels(), clock: TestClock.frozen())

            #expect(
                try await desk.revealPassword(of: 7, confirming: "correct horse battery", by: ada, in: acme, ip: "")
                    == .revealed("hunter2-cpanel"))
            var answers: [HostingDesk.Reveal] = []
            for _ in 0..<12 {
                answers.append(try await desk.revealPassword(of: 7, confirming: "guess", by: ada, in: acme, ip: ""))
            }
            #expect(answers.first == .wrongPassword)
            guard case .throttled = answers.last else { Issue.record("never throttled: \(answers)"); return }
            let audited = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.accounts.auditEntries(action: "service.password_revealed").count
            }
            #expect(audited == 1)
        }
    }

    @Test("single sign-on is for the customer's own active service; others get a 404 and no session is made")
    func controlPanel() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let ada = try await makeAccount(dependencies)
            let bob = try await makeAccount(dependencies, email: "bob@example.com")
            let globexAda = try await makeAccount(dependencies, tenant: "globex")
            try await Self.seed(dependencies, ada, acme)
            let panels = InMemoryPanels()
            let desk = Self.desk(dependencies, panels, clock: TestClock())

            let url = try await desk.controlPanel(of: 7, by: ada, in: acme, ip: "192.0.2.1")
            #expect(url.hasSuffix("session=adaexamp0001"))
            _ = try await desk.controlPanel(of: 7, page: .webmail, by: ada, in: acme, ip: "192.0.2.1")
            let targets = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.accounts.auditEntries(action: "service.control_panel").map(\.target)
            }
            #expect(Set(targets) == ["service 7", "service 7 (webmail)"])
            await #expect(throws: PortalError.notFound) {
                try await desk.controlPanel(of: 7, by: bob, in: acme, ip: "")
            }
            await #expect(throws: PortalError.notFound) {
                try await desk.controlPanel(of: 7, by: globexAda, in: globex, ip: "")
            }
            try await Self.seed(dependencies, ada, acme, status: "Suspended")
            await #expect(throws: PortalError.notFound) {
                try await desk.controlPanel(of: 7, by: ada, in: acme, ip: "")
            }
            #expect(panels.sessions == ["adaexamp0001", "adaexamp0001 webmail"])
        }
    }
}
