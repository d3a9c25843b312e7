import Foundation
import Synchronization
import Testing

@testable import Portal

/// The Argon2 queue: bounded, fair between brands, and quick to say "come back later".
@Suite("Password hashing queue")
struct HashQueueTests {
    /// Operations that block until the test opens them, recording the order they ran in.
    final class Gate: Sendable {
        private let waiting = Mutex<[CheckedContinuation<Void, Never>]>([])
        private let ran = Mutex<[String]>([])

        var order: [String] { ran.withLock { $0 } }
        var held: Int { waiting.withLock { $0.count } }

        func hold(_ label: String) async {
            ran.withLock { $0.append(label) }
            await withCheckedContinuation { continuation in waiting.withLock { $0.append(continuation) } }
        }

        func openOne() {
            let next = waiting.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            next?.resume()
        }

        /// Waits (without a clock) until `count` operations are inside.
        func waitUntilHeld(_ count: Int) async {
            while held < count { await Task.yield() }
        }
    }

    @Test("a brand over its share is told to come back, at once, with a Retry-After; other brands still queue")
    func shareIsBounded() async throws {
        let queue = HashQueue(slots: 1, share: 2, capacity: 8)
        let gate = Gate()
        let running = Task { try await queue.run(brand: "acme") { await gate.hold("acme-0") } }
        await gate.waitUntilHeld(1)
        let waiting = (1...2).map { index in
            Task { try await queue.run(brand: "acme") { await gate.hold("acme-\(index)") } }
        }
        while await queue.depth < 2 { await Task.yield() }
        // The third waiting request of the same brand is refused without waiting for anything.
        await #expect(throws: HashQueue.Busy.self) { try await queue.run(brand: "acme") {} }
        do {
            try await queue.run(brand: "acme") {}
            Issue.record("a full share should refuse")
        } catch let busy as HashQueue.Busy {
            #expect(busy.retryAfter >= 1)
        }
        #expect(await queue.refused == 2)
        // Another brand has a share of its own.
        let globex = Task { try await queue.run(brand: "globex") { await gate.hold("globex-0") } }
        while await queue.depth < 3 { await Task.yield() }
        // Finish whatever holds the slot, one at a time, until all four ran. (An open with nothing held yet would
        // be lost, and the task that holds next would wait for ever.)
        while gate.order.count < 4 || gate.held > 0 {
            if gate.held > 0 { gate.openOne() }
            await Task.yield()
        }
        for task in waiting { try await task.value }
        try await running.value
        try await globex.value
        #expect(await queue.depth == 0)
    }

    @Test("waiting brands take turns: one brand's flood delays another's sign-in by one hash, not by the flood")
    func brandsTakeTurns() async throws {
        let queue = HashQueue(slots: 1, share: 8, capacity: 32)
        let gate = Gate()
        let first = Task { try await queue.run(brand: "flood") { await gate.hold("flood-0") } }
        await gate.waitUntilHeld(1)
        var flood: [Task<Void, any Error>] = []
        for index in 1...6 {
            flood.append(Task { try await queue.run(brand: "flood") { await gate.hold("flood-\(index)") } })
            while await queue.depth < index { await Task.yield() }
        }
        let owner = Task { try await queue.run(brand: "acme") { await gate.hold("owner") } }
        while await queue.depth < 7 { await Task.yield() }
        // Finish whatever holds the slot, one at a time, until everything ran.
        while gate.order.count < 8 || gate.held > 0 {
            if gate.held > 0 { gate.openOne() }
            await Task.yield()
        }
        try await first.value
        for task in flood { try await task.value }
        try await owner.value
        // Turns alternate: after the hash in progress and the flood's turn that was already due, the owner ran,
        // ahead of the five flood requests still queued before it.
        #expect(Array(gate.order.prefix(4)) == ["flood-0", "flood-1", "owner", "flood-2"])
    }

    @Test("a sign-in past the brand's share of the queue is answered 429 with Retry-After; other brands are served")
    func signInWhenBusy() async throws {
        let queue = HashQueue(slots: 1, share: 1, capacity: 4)
        try await withPortal(configure: { $0.hashQueue = queue }) { client, dependencies in
            try await makeAccount(dependencies)
            try await makeAccount(dependencies, tenant: "globex")
            let acme = "tenant:\(try dependencies.registryTenant("acme").id)"
            let gate = Gate()
            // The slot is busy, and acme already has its one waiting request.
            let holder = Task { try await queue.run(brand: "elsewhere") { await gate.hold("elsewhere") } }
            await gate.waitUntilHeld(1)
            let waiter = Task { try await queue.run(brand: acme) { await gate.hold("acme") } }
            while await queue.depth < 1 { await Task.yield() }

            let refused = try await signIn(TestBrowser(client, host: "acme.localhost"))
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(refused.text.contains("Too many sign-in attempts"))

            // Globex queues behind and signs in once the slot frees.
            let globex = Task { try await signIn(TestBrowser(client, host: "globex.localhost")) }
            while await queue.depth < 2 { await Task.yield() }
            while gate.order.count < 2 || gate.held > 0 {
                if gate.held > 0 { gate.openOne() }
                await Task.yield()
            }
            try await holder.value
            try await waiter.value
            #expect(try await globex.value.status == .seeOther)
        }
    }
}
