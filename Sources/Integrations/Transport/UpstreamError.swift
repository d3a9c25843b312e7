import Foundation

/// Why a call to an upstream did not give an answer we could use. Portal maps these to pages and statuses.
package enum UpstreamError: Error, Equatable, CustomStringConvertible {
    /// No connection could be made (refused, connect timeout, DNS): nothing was sent.
    case unreachable(Upstream, reason: String)
    /// The host did not resolve, or resolved to an address this brand may not reach: nothing was sent. `detail`
    /// says which addresses and why; it is for the log only, never for the page.
    case addressRefused(Upstream, host: String, detail: String)
    /// The connection broke after the request may have been sent (reset, closed early).
    case connectionLost(Upstream, reason: String)
    /// No answer within the time limit. For a write the change may or may not have happened.
    case timedOut(Upstream, action: String, milliseconds: Int)
    /// An HTTP status the API never uses for answers, such as 500 from a broken server.
    case badStatus(Upstream, action: String, status: Int)
    /// The credentials were refused (HTTP 403 with the vendor's message).
    case authenticationFailed(Upstream, message: String)
    /// The API answered with an error about the request itself (WHMCS `result: error`, WHM `metadata.result: 0`).
    case apiError(Upstream, action: String, message: String)
    /// The body was not the shape the contract promises.
    case malformedResponse(Upstream, action: String, detail: String)
    /// Too many failures in a row; calls are paused so a broken upstream is not hammered.
    case circuitOpen(Upstream, retryAfterSeconds: Int)
    /// The tenant has not configured this upstream yet.
    case notConfigured(Upstream)

    package var upstream: Upstream {
        switch self {
        case .unreachable(let upstream, _), .addressRefused(let upstream, _, _), .connectionLost(let upstream, _),
            .timedOut(let upstream, _, _),
            .badStatus(let upstream, _, _),
            .authenticationFailed(let upstream, _), .apiError(let upstream, _, _),
            .malformedResponse(let upstream, _, _), .circuitOpen(let upstream, _), .notConfigured(let upstream):
            upstream
        }
    }

    /// A sentence for people: what failed, without any secret.
    package var description: String {
        switch self {
        case .unreachable(let upstream, let reason):
            "\(upstream.displayName) could not be reached (\(reason))"
        case .addressRefused(let upstream, let host, _):
            "\(upstream.displayName) could not connect to \(host)"
        case .connectionLost(let upstream, let reason):
            "\(upstream.displayName) dropped the connection (\(reason))"
        case .timedOut(let upstream, let action, let milliseconds):
            "\(upstream.displayName) did not answer \(action) within \(Self.seconds(milliseconds)) s"
        case .badStatus(let upstream, let action, let status):
            "\(upstream.displayName) answered \(action) with HTTP \(status)"
        case .authenticationFailed(let upstream, let message):
            "\(upstream.displayName) refused the credentials: \(message)"
        case .apiError(let upstream, let action, let message):
            "\(upstream.displayName) \(action) failed: \(message)"
        case .malformedResponse(let upstream, let action, let detail):
            "\(upstream.displayName) sent an unreadable answer to \(action): \(detail)"
        case .circuitOpen(let upstream, let seconds):
            "\(upstream.displayName) is failing; calls are paused for \(seconds) more seconds"
        case .notConfigured(let upstream):
            "\(upstream.displayName) is not configured for this brand"
        }
    }

    /// Failures of the connection or the server rather than of the request: worth another try, and they
    /// count towards opening the circuit. Refused credentials and API errors are neither.
    package var isTransient: Bool {
        switch self {
        case .unreachable, .connectionLost, .timedOut, .badStatus, .malformedResponse: true
        case .authenticationFailed, .apiError, .circuitOpen, .notConfigured, .addressRefused: false
        }
    }

    /// True when a write may have taken effect although no answer said so.
    package var outcomeUnknown: Bool {
        switch self {
        case .connectionLost, .timedOut, .badStatus, .malformedResponse: true
        default: false
        }
    }

    static let connectRefused = "connection refused"

    /// 400 → "0.4", 15000 → "15".
    private static func seconds(_ milliseconds: Int) -> String {
        milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(format: "%.1f", Double(milliseconds) / 1000)
    }
}
