import Foundation
import Logging
import Metrics

/// Time limits for one upstream call. The connect limit lives in the shared HTTP client's configuration.
package struct UpstreamTimeouts: Sendable {
    /// The whole exchange, per attempt.
    package var total: Duration

    package init(total: Duration = .seconds(15)) {
        self.total = total
    }
}

/// How a call may be repeated when it fails in a way that leaves the outcome unknown.
package enum RepeatSafety: Sendable {
    /// A read, or a write that sets a value: repeating it cannot do harm.
    case safe
    /// A write that must not be repeated blindly: before another attempt `lookUp` checks whether the
    /// first one took effect, and returns its result if so.
    case lookUpFirst
    /// Never repeated; a lost answer is reported as unknown outcome.
    case once
}

/// Runs upstream calls for one (tenant, upstream): circuit breaker, retries with backoff, and one log line per call.
package struct UpstreamCaller: Sendable {
    package let tenant: String
    package let upstream: Upstream
    /// The credential identifier; only its last four characters are logged.
    package let credentialIdentifier: String
    package let transport: UpstreamTransport
    package let breakers: CircuitBreakers
    package let retry: RetryPolicy
    package let timeouts: UpstreamTimeouts
    package let logger: Logger
    /// How long to wait before looking up a write whose answer was lost: a slow upstream may still be committing it.
    /// The window left over (a commit later than this) is the at-least-once edge the outbox worker reconciles.
    package var settleDelay: Duration = .seconds(2)
    /// Full-jitter random source and sleep, injectable so tests never wait.
    package var unit: @Sendable () -> Double = { Double.random(in: 0...1) }
    package var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// Where requests may connect: public addresses only, unless the brand is a sandbox on a sandbox server.
    package var egress: EgressPolicy = .publicOnly

    package init(
        tenant: String, upstream: Upstream, credentialIdentifier: String, transport: UpstreamTransport,
        breakers: CircuitBreakers, retry: RetryPolicy = RetryPolicy(), timeouts: UpstreamTimeouts = UpstreamTimeouts(),
        logger: Logger
    ) {
        self.tenant = tenant
        self.upstream = upstream
        self.credentialIdentifier = credentialIdentifier
        self.transport = transport
        self.breakers = breakers
        self.retry = retry
        self.timeouts = timeouts
        self.logger = logger
    }

    private var breakerKey: CircuitBreakers.Key { .init(tenant: tenant, upstream: upstream.rawValue) }

    /// Sends `request` (built afresh per attempt) and decodes the answer with `decode`, which throws
    /// `UpstreamError` for API-level failures. `lookUp` runs before a repeat under `.lookUpFirst`.
    package func call<T: Sendable>(
        action: String,
        safety: RepeatSafety,
        request: @Sendable () throws -> UpstreamRequest,
        decode: @Sendable (UpstreamResponse) throws -> T,
        lookUp: (@Sendable () async throws -> T?)? = nil
    ) async throws -> T {
        let started = ContinuousClock.now
        var attempts = 0
        var recovered = false
        // The first failure that may have taken effect: a later refusal (an open circuit) must not hide it, or a
        // caller would think nothing was sent and send it again.
        var unknownOutcome: UpstreamError?
        do {
            let value = try await retry.run(
                isRetryable: { error in
                    guard let error = error as? UpstreamError, error.isTransient else { return false }
                    return safety != .once || !error.outcomeUnknown
                },
                unit: unit,
                sleep: sleep
            ) { attempt -> T in
                attempts = attempt
                if attempt > 1, safety == .lookUpFirst, let lookUp {
                    if unknownOutcome != nil { try await sleep(settleDelay) }
                    if let existing = try await lookUp() {
                        recovered = true
                        return existing
                    }
                }
                do {
                    var outgoing = try request()
                    outgoing.egress = egress
                    return try await once(action: action, request: outgoing, decode: decode)
                } catch let error as UpstreamError where error.outcomeUnknown {
                    unknownOutcome = unknownOutcome ?? error
                    throw error
                }
            }
            log(action: action, started: started, attempts: attempts, outcome: recovered ? "recovered" : "ok")
            return value
        } catch {
            let outcome: String
            if let error = error as? UpstreamError {
                switch error {
                case .apiError: outcome = "api_error"
                case .authenticationFailed: outcome = "auth_failed"
                case .circuitOpen: outcome = "circuit_open"
                case .timedOut: outcome = "timeout"
                case .connectionLost: outcome = "connection_lost"
                case .addressRefused: outcome = "address_refused"
                default: outcome = "failed"
                }
            } else {
                outcome = "failed"
            }
            log(action: action, started: started, attempts: attempts, outcome: outcome, error: error)
            if let unknownOutcome, safety != .safe, let final = error as? UpstreamError {
                switch final {
                case .circuitOpen, .unreachable: throw unknownOutcome
                default: break
                }
            }
            throw error
        }
    }

    /// One attempt: asks the breaker, sends, classifies, and tells the breaker how it went.
    private func once<T>(
        action: String, request: UpstreamRequest, decode: (UpstreamResponse) throws -> T
    ) async throws -> T {
        do {
            try breakers.permit(breakerKey)
        } catch {
            throw UpstreamError.circuitOpen(upstream, retryAfterSeconds: max(1, Int(error.retryAfter.rounded(.up))))
        }
        do {
            let response: UpstreamResponse
            do {
                response = try await transport.send(request, timeouts.total)
            } catch let failure as UpstreamTransport.TransportFailure {
                switch failure {
                case .timedOut:
                    let total = timeouts.total.components
                    throw UpstreamError.timedOut(
                        upstream, action: action,
                        milliseconds: Int(total.seconds) * 1000 + Int(total.attoseconds / 1_000_000_000_000_000)
                    )
                case .connectFailed(let reason):
                    throw UpstreamError.unreachable(upstream, reason: reason)
                case .connectionLost(let reason):
                    throw UpstreamError.connectionLost(upstream, reason: reason)
                case .addressRefused(let refusal):
                    throw UpstreamError.addressRefused(upstream, host: refusal.host, detail: refusal.detail)
                }
            }
            if response.status >= 500 {
                throw UpstreamError.badStatus(upstream, action: action, status: response.status)
            }
            let value = try decode(response)
            breakers.recordSuccess(breakerKey)
            return value
        } catch let error as UpstreamError {
            if error.isTransient { breakers.recordFailure(breakerKey) } else { breakers.recordSuccess(breakerKey) }
            throw error
        } catch {
            // Cancelled, or a decoding bug: no verdict on the upstream, but a trial call must not stay pending.
            breakers.abandonTrial(breakerKey)
            throw error
        }
    }

    private func log(
        action: String, started: ContinuousClock.Instant, attempts: Int, outcome: String, error: (any Error)? = nil
    ) {
        let elapsed = ContinuousClock.now - started
        UpstreamMetrics.record(upstream: upstream.rawValue, outcome: outcome, elapsed: elapsed)
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var metadata: Logger.Metadata = [
            "tenant": "\(tenant)", "upstream": "\(upstream.rawValue)", "action": "\(action)",
            "duration_ms": "\(milliseconds)", "outcome": "\(outcome)", "attempts": "\(attempts)",
            "credential": "\(Redaction.lastFour(credentialIdentifier))",
        ]
        if let error { metadata["error"] = "\(error)" }
        if case .addressRefused(_, _, let detail) = error as? UpstreamError { metadata["detail"] = "\(detail)" }
        if error == nil {
            logger.info("upstream call", metadata: metadata)
        } else {
            logger.warning("upstream call", metadata: metadata)
        }
    }
}

/// Each upstream call counted by upstream and outcome (`ok`, `recovered`, `timeout`, `circuit_open`…), with its
/// duration, in the process's swift-metrics backend (Prometheus in `portal serve`). Never by tenant.
package enum UpstreamMetrics {
    package static func record(upstream: String, outcome: String, elapsed: Duration) {
        Counter(label: "portal_upstream_calls_total", dimensions: [("upstream", upstream), ("outcome", outcome)])
            .increment()
        let (seconds, attoseconds) = elapsed.components
        Metrics.Timer(label: "portal_upstream_call_duration_seconds", dimensions: [("upstream", upstream)])
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
