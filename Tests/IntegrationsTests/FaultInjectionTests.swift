import Foundation
import Integrations
import Sandbox
import Synchronization
import TestSupport
import Testing

/// Every fault mode against the clients: bounded time, retries only when safe, breaker, and no duplicates.
@Suite("Upstream faults")
struct FaultInjectionTests {
    @Test("added latency slows a call but it still succeeds")
    func latency() async throws {
        try await SandboxHarness.with { sandbox in
            sandbox.sandbox.whmcsFaults.set(.none, latencyMilliseconds: 150)
            let started = ContinuousClock.now
            _ = try await sandbox.whmcs().clientGroups()
            #expect(ContinuousClock.now - started >= .milliseconds(150))
        }
    }

    @Test("a read is retried after an HTTP 500 and after a connection reset")
    func transientFailuresAreRetried() async throws {
        try await SandboxHarness.with { sandbox in
            _ = try await sandbox.sandbox.provisionTenant(slug: "acme", name: "Acme")
            sandbox.sandbox.whmcsFaults.set(.http500, count: 1)
            let groups = try await sandbox.whmcs().clientGroups()
            #expect(!groups.isEmpty)
            sandbox.sandbox.whmFaults.set(.reset, count: 2)
            let packages = try await sandbox.whm().packages()
            #expect(packages.count == 2)
            #expect(
                sandbox.logs.captured.contains {
                    $0.metadata["action"] == "listpkgs" && $0.metadata["attempts"] == "3"
                        && $0.metadata["outcome"] == "ok"
                })
        }
    }

    @Test("a persistent reset is reported as a lost connection (outcome unknown), a persistent 500 as a bad status")
    func persistentFailures() async throws {
        try await SandboxHarness.with { sandbox in
            sandbox.sandbox.whmFaults.set(.reset)
            // Depending on timing the reset surfaces as "reset" or "closed before the answer"; both are a lost connection.
            let error = await #expect(throws: UpstreamError.self) {
                _ = try await sandbox.whm(tenant: "reset-tenant").packages()
            }
            guard case .connectionLost(.whm, _)? = error else {
                Issue.record("expected a lost connection, got \(String(describing: error))")
                return
            }
            #expect(error?.outcomeUnknown == true)
            sandbox.sandbox.whmcsFaults.set(.http500)
            await #expect(throws: UpstreamError.badStatus(.whmcs, action: "GetClientGroups", status: 500)) {
                _ = try await sandbox.whmcs(tenant: "five-hundred").clientGroups()
            }
        }
    }

    @Test("no answer: each attempt ends at the total timeout, so the call is bounded")
    func timeoutIsBounded() async throws {
        try await SandboxHarness.with { sandbox in
            sandbox.sandbox.whmcsFaults.set(.timeout)
            // The simulator never answers: only the timeout can end each attempt, and there are exactly two.
            await #expect(throws: UpstreamError.timedOut(.whmcs, action: "GetClientGroups", milliseconds: 300)) {
                _ = try await sandbox.whmcs(timeout: .milliseconds(300), attempts: 2).clientGroups()
            }
            let line = sandbox.logs.captured.first { $0.metadata["action"] == "GetClientGroups" }
            #expect(line?.metadata["attempts"] == "2")
            #expect(line?.metadata["outcome"] == "timeout")
        }
    }

    @Test("the breaker opens after repeated failures, fails fast for that tenant only, and recovers")
    func breakerOpensAndRecovers() async throws {
        let clock = TestClock(frozenAt: Date(timeIntervalSince1970: 1_000))
        let breakers = CircuitBreakers(failureThreshold: 2, openDuration: 30, now: clock.now)
        try await SandboxHarness.with { sandbox in
            _ = try await sandbox.sandbox.provisionTenant(slug: "acme", name: "Acme")
            sandbox.sandbox.whmcsFaults.set(.http500)
            let failing = sandbox.whmcs(tenant: "acme", attempts: 1, breakers: breakers)
            for _ in 0..<2 { _ = try? await failing.clientGroups() }
            await #expect(throws: UpstreamError.circuitOpen(.whmcs, retryAfterSeconds: 30)) {
                _ = try await failing.clientGroups()
            }
            // Another tenant's circuit is untouched.
            sandbox.sandbox.whmcsFaults.clear()
            let other = try await sandbox.whmcs(tenant: "globex", attempts: 1, breakers: breakers).clientGroups()
            #expect(!other.isEmpty)
            await #expect(throws: UpstreamError.circuitOpen(.whmcs, retryAfterSeconds: 30)) {
                _ = try await failing.clientGroups()
            }
            clock.advance(by: 31)
            let recovered = try await failing.clientGroups()
            #expect(!recovered.isEmpty)
            #expect(!breakers.isOpen(.init(tenant: "acme", upstream: "whmcs")))
        }
    }

    @Test("commit then time out: AddClient, AddOrder and createacct are looked up, never duplicated")
    func commitThenTimeoutNeverDuplicates() async throws {
        try await SandboxHarness.with { sandbox in
            // Set-up calls get the default limit; the faulted calls a short one, so the lost answer is noticed fast.
            let product = try await WHMCSContractTests.product(sandbox.whmcs())
            let whmcs = sandbox.whmcs(timeout: .seconds(10))
            sandbox.sandbox.whmcsFaults.set(.commitThenTimeout, count: 1)
            let clientID = try await whmcs.addClient(WHMCSContractTests.newClient("once@acme.example", group: 0))
            #expect(try await whmcs.clients(search: "once@").items.map(\.id) == [clientID])

            // AddOrder first reads the client's newest order; let that through and drop the AddOrder answer.
            sandbox.sandbox.whmcsFaults.set(.commitThenTimeout, count: 1, after: 1)
            let placed = try await whmcs.addOrder(
                clientID: clientID,
                items: [WHMCSOrderItem(productID: product, billingCycle: .monthly, domain: "once.example")],
                paymentMethod: "mailin"
            )
            let orders = try await whmcs.orders(clientID: clientID)
            #expect(orders.items.map(\.id) == [placed.orderID])
            #expect(placed.serviceIDs == orders.items.first?.lineItems.map(\.relatedID))
            #expect(placed.invoiceID == orders.items.first?.invoiceID)

            let whm = sandbox.whm(timeout: .seconds(10))
            sandbox.sandbox.whmFaults.set(.commitThenTimeout, count: 1)
            let created = try await whm.createAccount(
                WHMNewAccount(username: "onceonly", domain: "once.example", plan: "default", contactEmail: ""))
            #expect(created.ip == "192.0.2.10")
            #expect(try await whm.accounts().map(\.user) == ["onceonly"])
            #expect(
                sandbox.logs.captured.contains {
                    $0.metadata["action"] == "createacct" && $0.metadata["outcome"] == "recovered"
                })
        }
    }

    @Test(
        "every call logs tenant, upstream, action, duration, outcome and the identifier's last four characters, never a secret"
    )
    func logLines() async throws {
        try await SandboxHarness.with { sandbox in
            _ = try await sandbox.whmcs().clientGroups()
            _ = try? await sandbox.whmcs(secret: "wrong-secret-value").clientGroups()
            _ = try await sandbox.whm().packages()
            let lines = sandbox.logs.all
            let identifier = sandbox.credentials.whmcsIdentifier
            #expect(lines.count == 3)
            let first = try #require(sandbox.logs.captured.first).metadata
            #expect(first["tenant"] == "acme" && first["upstream"] == "whmcs" && first["action"] == "GetClientGroups")
            #expect(first["outcome"] == "ok" && first["credential"] == "…\(identifier.suffix(4))")
            #expect(first["duration_ms"].flatMap(Int.init) != nil)
            #expect(sandbox.logs.captured[1].metadata["outcome"] == "auth_failed")
            for line in lines {
                #expect(!line.contains(sandbox.credentials.whmcsSecret))
                #expect(!line.contains(sandbox.credentials.whmToken))
                #expect(!line.contains("wrong-secret-value"))
                #expect(!line.contains(identifier))
            }
        }
    }
}
