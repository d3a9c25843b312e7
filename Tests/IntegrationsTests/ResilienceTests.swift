import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Integrations

@Suite("Retries and circuit breakers")
struct ResilienceTests {
    struct Transient: Error {}
    struct Permanent: Error {}

    final class Recorder: Sendable {
        let sleeps = Mutex<[Duration]>([])
        let attempts = Mutex(0)
    }

    @Test("backoff doubles up to the cap, with full jitter")
    func backoff() async throws {
        let policy = RetryPolicy(maximumAttempts: 5, baseDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
        #expect(policy.cap(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.cap(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.cap(afterAttempt: 3) == .milliseconds(400))
        #expect(policy.cap(afterAttempt: 4) == .milliseconds(500))

        let recorder = Recorder()
        let value = try await policy.run(
            isRetryable: { $0 is Transient }, unit: { 0.5 },
            sleep: { delay in
                recorder.sleeps.withLock { $0.append(delay) }
            }
        ) { attempt in
            recorder.attempts.withLock { $0 = attempt }
            if attempt < 4 { throw Transient() }
            return "ok"
        }
        #expect(value == "ok")
        #expect(recorder.attempts.withLock { $0 } == 4)
        #expect(recorder.sleeps.withLock { $0 } == [.milliseconds(50), .milliseconds(100), .milliseconds(200)])
    }

    @Test("errors that are not retryable, and the last attempt's error, are thrown at once")
    func giveUp() async {
        let policy = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(1))
        let recorder = Recorder()
        await #expect(throws: Permanent.self) {
            try await policy.run(isRetryable: { $0 is Transient }, sleep: { _ in }) { attempt -> Int in
                recorder.attempts.withLock { $0 = attempt }
                throw Permanent()
            }
        }
        #expect(recorder.attempts.withLock { $0 } == 1)
        await #expect(throws: Transient.self) {
            try await policy.run(isRetryable: { _ in true }, sleep: { _ in }) { attempt -> Int in
                recorder.attempts.withLock { $0 = attempt }
                throw Transient()
            }
        }
        #expect(recorder.attempts.withLock { $0 } == 3)
    }

    @Test("the breaker opens after five failures in a row, fails fast, lets one trial through, and recovers")
    func breaker() throws {
        let clock = TestClock(frozenAt: Date(timeIntervalSince1970: 1_000_000))
        let breakers = CircuitBreakers(failureThreshold: 5, openDuration: 30, now: clock.now)
        let acme = CircuitBreakers.Key(tenant: "acme", upstream: "whmcs")
        let globex = CircuitBreakers.Key(tenant: "globex", upstream: "whmcs")

        for _ in 0..<4 {
            try breakers.permit(acme)
            breakers.recordFailure(acme)
        }
        breakers.recordSuccess(acme)  // a success resets the count
        for _ in 0..<5 {
            try breakers.permit(acme)
            breakers.recordFailure(acme)
        }
        #expect(breakers.isOpen(acme))
        #expect(throws: CircuitBreakers.OpenCircuit.self) { try breakers.permit(acme) }
        // Another tenant's circuit for the same upstream is untouched.
        try breakers.permit(globex)

        clock.advance(by: 31)
        try breakers.permit(acme)  // the single trial
        #expect(throws: CircuitBreakers.OpenCircuit.self) { try breakers.permit(acme) }
        breakers.recordFailure(acme)
        #expect(breakers.isOpen(acme))

        clock.advance(by: 31)
        try breakers.permit(acme)
        breakers.recordSuccess(acme)
        #expect(!breakers.isOpen(acme))
        try breakers.permit(acme)
    }

    @Test("logs show only the last four characters of an identifier and never a secret")
    func redaction() {
        #expect(Redaction.lastFour("D4j1dKYE3g40VROOPCGyJ9zRwPtgwrW4") == "…wrW4")
        #expect(Redaction.lastFour("short") == "…hort")
        #expect(Redaction.lastFour("abcd") == "[redacted]")
        let redacted = Redaction.fields([
            ("identifier", "abc"), ("secret", "s3cr3t"), ("password2", "hunter2"), ("customfields[1]", "x"),
            ("email", "a@b.com"),
        ])
        #expect(redacted.map(\.1) == ["abc", "[redacted]", "[redacted]", "[redacted]", "a@b.com"])
    }
}
