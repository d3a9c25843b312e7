import Foundation
import Logging
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// An in-memory WHM: which accounts are suspended, which calls were made, and which usernames refuse to change.
final class InMemoryHostingControl: HostingAccountControl {
    private let state: Mutex<(suspended: Set<String>, calls: [String])>
    let refusing: Set<String>

    init(suspended: Set<String> = [], refusing: Set<String> = []) {
        state = Mutex((suspended, []))
        self.refusing = refusing
    }

    var suspended: Set<String> { state.withLock { $0.suspended } }
    var calls: [String] { state.withLock { $0.calls } }

    func isSuspended(username: String) async throws -> Bool? {
        state.withLock { $0.suspended.contains(username) }
    }

    func suspend(username: String, reason: String) async throws {
        try change(username, "suspend") { $0.insert(username) }
    }

    func unsuspend(username: String) async throws {
        try change(username, "unsuspend") { $0.remove(username) }
    }

    private func change(_ username: String, _ call: String, _ body: (inout Set<String>) -> Void) throws {
        try state.withLock { state in
            state.calls.append("\(call) \(username)")
            if refusing.contains(username) { throw CancellationError() }
            body(&state.suspended)
        }
    }
}

/// Suspending a brand's hosting with the brand, and restoring exactly what was suspended; no HTTP, no simulator.
@Suite("Hosting suspension")
struct HostingSuspensionTests {
    static func accounts(_ usernames: [String], _ dependencies: PortalDependencies, tenant: String) async throws {
        let owner = try await makeAccount(dependencies, tenant: tenant, email: "hosted@example.com")
        let brand = try dependencies.registryTenant(tenant)
        for username in usernames {
            try await dependencies.databases.withDatabase(for: brand) { database in
                let pending = try await database.upstreams.pendingHostingAccount(
                    account: owner.id, domain: "\(username).example", plan: "starter", reseller: "racme",
                    username: { username }
                )
                _ = try await database.upstreams.activateHostingAccount(pending.id, nameservers: [])
            }
        }
    }

    @Test("an account already suspended is left alone and stays suspended when the brand resumes")
    func alreadySuspendedStays() async throws {
        try await withPortal { _, dependencies in
            try await Self.accounts(["alpha", "bravo", "unpaid"], dependencies, tenant: "acme")
            let whm = InMemoryHostingControl(suspended: ["unpaid"])
            let suspension = HostingSuspension(
                control: { _ in whm }, databases: dependencies.databases, logger: Logger(label: "test")
            )
            let acme = try dependencies.registryTenant("acme")

            let suspended = await suspension.suspend(tenant: acme)
            #expect(suspended == "suspended 2 of 3 accounts; already suspended, left alone: unpaid")
            #expect(whm.suspended == ["alpha", "bravo", "unpaid"])

            let restored = await suspension.unsuspend(tenant: acme)
            #expect(restored == "restored 2 of 2 accounts")
            #expect(whm.suspended == ["unpaid"])
            #expect(!whm.calls.contains("unsuspend unpaid"))
            #expect(await suspension.unsuspend(tenant: acme) == "", "nothing is left to restore")
        }
    }

    @Test("an account WHM refuses to restore stays listed, and the next resume restores it")
    func refusedRestoreIsRetried() async throws {
        try await withPortal { _, dependencies in
            try await Self.accounts(["alpha", "stuck"], dependencies, tenant: "acme")
            let acme = try dependencies.registryTenant("acme")
            let first = InMemoryHostingControl(refusing: ["stuck"])
            let refusing = HostingSuspension(
                control: { _ in first }, databases: dependencies.databases, logger: Logger(label: "test")
            )
            #expect(await refusing.suspend(tenant: acme).hasPrefix("suspended 1 of 2 accounts; failed: stuck"))

            // "stuck" never got suspended, so only alpha is remembered and restored.
            #expect(await refusing.unsuspend(tenant: acme) == "restored 1 of 1 accounts")

            let second = InMemoryHostingControl()
            let working = HostingSuspension(
                control: { _ in second }, databases: dependencies.databases, logger: Logger(label: "test")
            )
            _ = await working.suspend(tenant: acme)
            let later = InMemoryHostingControl(suspended: ["alpha", "stuck"], refusing: ["stuck"])
            let flaky = HostingSuspension(
                control: { _ in later }, databases: dependencies.databases, logger: Logger(label: "test")
            )
            #expect(await flaky.unsuspend(tenant: acme) == "restored 1 of 2 accounts; still suspended: stuck")
            #expect(await working.unsuspend(tenant: acme) == "restored 1 of 1 accounts")
            #expect(second.calls.last == "unsuspend stuck")
        }
    }

    @Test("another brand's hosting is never touched")
    func otherBrandUntouched() async throws {
        try await withPortal { _, dependencies in
            try await Self.accounts(["alpha"], dependencies, tenant: "acme")
            try await Self.accounts(["globexone"], dependencies, tenant: "globex")
            let whm = InMemoryHostingControl()
            let suspension = HostingSuspension(
                control: { _ in whm }, databases: dependencies.databases, logger: Logger(label: "test")
            )
            _ = await suspension.suspend(tenant: try dependencies.registryTenant("acme"))
            #expect(whm.calls == ["suspend alpha"])
            #expect(await suspension.unsuspend(tenant: try dependencies.registryTenant("globex")) == "")
        }
    }
}
