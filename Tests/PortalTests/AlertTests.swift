import Foundation
import HummingbirdTesting
import Integrations
import Sandbox
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Alerts: an email and a console entry, once per incident, cleared when resolved; a brand's go to its owners and
/// admins only, the platform's to the platform users.
@Suite("Operating: alerts")
struct AlertTests {
    /// The watch over the test's dependencies, with what a test wants to control.
    static func watch(
        _ dependencies: PortalDependencies, breakers: CircuitBreakers? = nil, readiness: Readiness? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, freeBytes: @escaping @Sendable () -> Int64? = { 1 << 40 }
    ) -> AlertWatch {
        AlertWatch(
            desk: dependencies.alerts, platform: dependencies.platform, registry: dependencies.registry,
            databases: dependencies.databases, breakers: breakers ?? dependencies.upstreams.breakers,
            readiness: readiness ?? dependencies.readiness, dataDirectory: dependencies.dataDirectory,
            unopenable: dependencies.unopenable, now: now, freeBytes: freeBytes)
    }

    static func alertMails(_ dependencies: PortalDependencies, _ slug: String) async throws -> [OutboxMail] {
        try await dependencies.outbox(slug).filter { $0.kind == "staff_alert" }
    }

    @Test("a parked order: its brand's owners and admins are emailed once, the dashboard shows it, retrying clears it")
    func parkedOrder() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: {
                OrderPipelineTests.fast(&$0)
                $0.pipelineRetry.maximumAttempts = 2
            }) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let owner = try await staffBrowser(client, dependencies)
                _ = try await makeAccount(dependencies, kind: .staff, email: "admin@acme.example", role: .admin)
                _ = try await makeAccount(dependencies, kind: .staff, email: "help@acme.example", role: .support)
                _ = try await makeAccount(dependencies, tenant: "globex", kind: .staff, email: "owner@globex.example")
                sandbox.whmFaults.set(.http500)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "later@example.com")
                let id = try await Commerce.order(browser, domain: "later.example")
                let failed = try await Commerce.wait(for: id, dependencies, until: .failed)
                // The alert is raised right after the order is parked.
                var mails: [OutboxMail] = []
                for _ in 0..<200 where mails.count < 2 {
                    mails = try await Self.alertMails(dependencies, "acme")
                    try await Task.sleep(for: .milliseconds(25))
                }
                #expect(Set(mails.map(\.toAddress)) == ["owner@acme.example", "admin@acme.example"], "not support")
                #expect(mails.count == 2)
                #expect(
                    mails.allSatisfy {
                        $0.subject == "Needs attention: Order \(failed.number) is waiting for staff — Acme Hosting"
                    })
                #expect(mails.first?.textBody.contains("/admin/orders/\(id)") == true)
                #expect(try await Self.alertMails(dependencies, "globex").isEmpty, "another brand hears nothing")

                let home = try await owner.get("/admin")
                #expect(home.text.contains("Needs attention (1 open)"))
                #expect(home.text.contains("Order \(failed.number) is waiting for staff"))
                let support = TestBrowser(client, host: "acme.localhost")
                try await signIn(support, email: "help@acme.example", staff: true)
                #expect(!(try await support.get("/admin")).text.contains("Needs attention"))
                let globex = try await staffBrowser(
                    client, dependencies, tenant: "globex", email: "boss@globex.example")
                #expect(!(try await globex.get("/admin")).text.contains("Needs attention"))

                // Parked again after a failed retry: the same incident, no second email.
                #expect(try await owner.post("/admin/orders/\(id)/retry", [:]).status == .seeOther)
                _ = try await Commerce.wait(for: id, dependencies, until: .failed)
                #expect(try await Self.alertMails(dependencies, "acme").count == 2)

                sandbox.whmFaults.clear()
                #expect(try await owner.post("/admin/orders/\(id)/retry", [:]).status == .seeOther)
                try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(try dependencies.platform.operationsFigures().openBrandAlerts == 1)
                await Self.watch(dependencies).check()
                #expect(try dependencies.platform.operationsFigures().openBrandAlerts == 0)
                let after = try await owner.get("/admin")
                #expect(after.text.contains("Needs attention") && !after.text.contains("(1 open)"))
                #expect(after.text.contains("resolved "))
            }
        }
    }

    @Test("a brand's relay refusing mail three times in a row: owners are told through the platform's relay; it clears")
    func refusingRelay() async throws {
        let refusing = Atomic<Bool>(true)
        let sent = Mutex<[(to: String, relay: String)]>([])
        try await withPortal(configure: { configuration in
            configuration.smtpRelay = try? SMTPRelay(url: "smtp://127.0.0.1:2602")
            configuration.mailRetry.baseDelay = 0.02
            configuration.mailRetry.maximumDelay = 0.05
            configuration.mailSend = { message, relay in
                if relay.url.contains(":2601"), refusing.load(ordering: .relaxed) {
                    throw SMTPFailure(code: 421, reason: "try again later")
                }
                sent.withLock { $0.append((message.to.address, relay.url)) }
            }
        }) { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/mail/settings")
            let saved = try await owner.post(
                "/admin/mail/settings",
                ["relay_url": "smtp://127.0.0.1:2601", "relay_user": "", "relay_password": "", "time_zone": "UTC"])
            #expect(saved.status == .seeOther)
            try await makeAccount(dependencies, email: "ada@example.com")
            let visitor = TestBrowser(client, host: "acme.localhost")
            try await visitor.get("/forgot-password")
            try await visitor.post("/forgot-password", ["email": "ada@example.com"])

            var alert: [OutboxMail] = []
            for _ in 0..<200 where alert.isEmpty {
                alert = try await Self.alertMails(dependencies, "acme")
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(alert.count == 1)
            #expect(alert.first?.subject.hasPrefix("Needs attention: Your mail relay keeps refusing mail") == true)
            #expect(alert.first?.relay == "platform", "the alert does not depend on the refusing relay")
            for _ in 0..<200 where !sent.withLock({ $0.contains { $0.to == "owner@acme.example" } }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(sent.withLock { $0.contains { $0.to == "owner@acme.example" && $0.relay.contains(":2602") } })

            refusing.store(false, ordering: .relaxed)
            let tenant = try dependencies.registryTenant("acme")
            var open = true
            for _ in 0..<200 where open {
                open = try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.alerts.isOpen("relay")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(!open, "the first message the relay takes clears the alert")
            #expect(try await Self.alertMails(dependencies, "acme").count == 1)
        }
    }

    @Test("an upstream failing every call for 15 minutes alerts its brand once; a success clears it")
    func unreachableUpstream() async throws {
        try await withPortal { client, dependencies in
            _ = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example", role: .owner)
            let clock = TestClock.frozen()
            let breakers = CircuitBreakers(now: clock.now)
            let watch = Self.watch(dependencies, breakers: breakers, now: clock.now)
            let key = CircuitBreakers.Key(tenant: "acme", upstream: "whmcs")
            breakers.recordFailure(key)
            clock.advance(by: 14 * 60)
            breakers.recordFailure(key)
            await watch.check()
            #expect(try await Self.alertMails(dependencies, "acme").isEmpty, "14 minutes is not yet an incident")
            clock.advance(by: 2 * 60)
            await watch.check()
            await watch.check()
            let mails = try await Self.alertMails(dependencies, "acme")
            #expect(mails.count == 1)
            #expect(mails.first?.subject.contains("WHMCS has been unreachable for 16 minutes") == true)
            #expect(try await Self.alertMails(dependencies, "globex").isEmpty)
            breakers.recordSuccess(key)
            await watch.check()
            let tenant = try dependencies.registryTenant("acme")
            #expect(
                !(try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.alerts.isOpen("upstream:whmcs")
                }))
            #expect(try dependencies.platform.operationsFigures().openBrandAlerts == 0)
        }
    }

    @Test("platform alerts: failed backup, failed drill, low disk, readiness, unopenable database; once each; cleared")
    func platformAlerts() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            let console = try await consoleBrowser(client, dependencies, clock: clock)
            let platform = dependencies.platform
            try platform.recordBackupFailure(
                of: "acme", at: Date(), error: "rclone could not upload: connection refused")
            try platform.recordDrill(
                RestoreDrill(
                    startedAt: Date(), finishedAt: Date(), ok: false, checked: ["_platform", "globex"],
                    detail: [
                        "_platform: ok", "globex: FAILED: row counts differ: orders 3 at the snapshot, 2 restored",
                    ]))
            dependencies.unopenable.failed(try TenantSlug(validating: "globex"), "file is not a database")
            let readinessClock = TestClock.frozen()
            let readiness = Readiness(thresholds: .init(), now: readinessClock.now)
            readinessClock.advance(by: 301)
            let low = Atomic<Bool>(true)
            let watch = Self.watch(
                dependencies, readiness: readiness, freeBytes: { low.load(ordering: .relaxed) ? 100 << 20 : 1 << 40 })
            await watch.check()
            await watch.check()

            let titles = Set(try platform.platformAlerts().filter { $0.clearedAt == nil }.map(\.title))
            #expect(
                titles == [
                    "The backup of acme failed", "The restore drill failed (drill 1)", "The data disk is almost full",
                    "The server is not ready", "The database of globex cannot be opened",
                ])
            let mails = try await dependencies.platform.accounts.outbox().filter { $0.kind == "platform_alert" }
            #expect(mails.count == 5, "one email per incident, to the one platform user")
            #expect(mails.allSatisfy { $0.toAddress == "ops@example.com" })
            #expect(try platform.operationsFigures().openPlatformAlerts == 5)

            let page = try await console.get("/operations")
            #expect(page.status == .ok)
            #expect(page.text.contains("Alerts (5 open)") && page.text.contains("The backup of acme failed"))
            #expect(page.text.contains("globex: FAILED: row counts differ"))
            #expect(page.text.contains("Backups stay on this machine."))

            // Resolved: a good backup, a good drill, room on the disk, the pipeline's round, the database back.
            try platform.recordBackup(of: "acme", takenAt: Date().addingTimeInterval(1), pushed: false)
            try platform.recordDrill(
                RestoreDrill(startedAt: Date(), finishedAt: Date(), ok: true, checked: ["_platform"], detail: ["ok"]))
            low.store(false, ordering: .relaxed)
            readiness.pipelineRoundCompleted()
            dependencies.unopenable.opened(try TenantSlug(validating: "globex"))
            await watch.check()
            #expect(try platform.platformAlerts().allSatisfy { $0.clearedAt != nil })
            #expect(try platform.operationsFigures().openPlatformAlerts == 0)
            let cleared = try await console.get("/operations")
            #expect(cleared.text.contains("resolved ") && !cleared.text.contains("open)"))
            // Brands never see the platform's alerts.
            let owner = try await staffBrowser(client, dependencies)
            #expect(!(try await owner.get("/admin")).text.contains("backup of acme"))
        }
    }
}
