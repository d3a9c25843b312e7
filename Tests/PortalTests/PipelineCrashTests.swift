import Foundation
import Logging
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// A real `portal serve` process killed with SIGKILL at each pipeline step, at the worst moment (after the
/// upstream call, before its result is stored), then started again: the order completes with exactly one WHMCS
/// client, one WHMCS order and one WHM account.
@Suite("Order pipeline across crashes")
struct PipelineCrashTests {
    /// Starts `portal serve` on the data folder; returns the process.
    static func serve(_ dataPath: String, crashAfter step: CrashPoint?) throws -> ChildProcess {
        let executable = try #require(ExecutableTests.executable)
        return try ChildProcess(
            executable,
            [
                "serve", "--data-dir", dataPath, "--port", "0", "--assets-dir", TestPaths.assets, "--sandbox-upstreams",
                "--log-level", "error",
            ] + (step.map { ["--crash-after-step", $0.rawValue] } ?? []))
    }

    @Test(
        "SIGKILL after each step's upstream work, then a restart: one client, one order, one account",
        arguments: OrderJob.Step.allCases)
    func crashAndResume(step: OrderJob.Step) async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let folder = try TemporaryFolder()
            try await createTenants([.acme], in: folder.path)
            let dependencies = try await makeDependencies(dataPath: folder.path)
            try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
            let tenant = try dependencies.registryTenant("acme")
            let email = "crash-\(step.rawValue)@example.com"
            let domain = "crash-\(step.rawValue).example"
            let account = try await makeAccount(dependencies, email: email)
            let orderID = try await dependencies.databases.withDatabase(for: tenant) { database in
                let entry = try await database.catalogue.entry(slug: "plan-0")!
                let order = Order(
                    accountID: account.id, number: "7000000\(OrderJob.Step.allCases.firstIndex(of: step)!)",
                    idempotencyKey: "crash-test-key-\(step.rawValue)",
                    entry: entry, cycle: .monthly, domain: domain, domainAction: .existing, currency: "GBP",
                    priceMinor: 299, setupMinor: 0,
                    domainMinor: 0, now: Date()
                )
                let profile = CustomerProfile(
                    accountID: account.id, firstName: "Crash", lastName: "Test", address1: "1 Road", city: "Leeds",
                    state: "Yorkshire",
                    postcode: "LS1 1AA", country: "GB", phone: "+44 113 496 0000"
                )
                return try await database.orders.place(
                    order, profile: profile, confirmation: nil, actor: account, ip: ""
                ).order.id!
            }
            try await dependencies.orderQueue.willQueue(tenant.id)
            await dependencies.databases.closeAll()
            try dependencies.platform.close()

            // First run: dies by its own SIGKILL right after the step's upstream call.
            let first = try Self.serve(folder.path, crashAfter: CrashPoint(step))
            #expect(await first.exit(within: 60), "the process did not reach \(step.rawValue)")
            #expect(first.termination == .signalled(SIGKILL))

            // Second run: resumes and finishes.
            let second = try Self.serve(folder.path, crashAfter: nil)
            defer { if second.isRunning { second.terminate() } }
            let database = try TenantDatabase.open(
                path: DataDirectory(path: folder.path).tenantDatabasePath(tenant.slug), tenantID: tenant.id)
            defer { try? database.close() }
            let deadline = Date().addingTimeInterval(60)
            var status = Order.Status.awaitingPayment
            while Date() < deadline {
                status = try await database.orders.order(orderID)?.status ?? .cancelled
                if status == .active || status == .failed { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == .active, "after a crash at \(step.rawValue)")
            second.terminate()
            #expect(await second.exit(within: 20))
            let upstream = try await Commerce.upstream(sandbox, email: email, domain: domain)
            #expect(
                upstream.clients == 1 && upstream.orders == 1 && upstream.accounts == 1,
                "crash at \(step.rawValue): \(upstream)")
            let jobs = try await database.orders.detail(orderID)?.jobs ?? []
            #expect(jobs.map(\.step) == OrderJob.Step.allCases && jobs.allSatisfy { $0.state == .done })
        }
    }
}
