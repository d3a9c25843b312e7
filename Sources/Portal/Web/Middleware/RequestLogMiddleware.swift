import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request, and an `X-Request-Id` on every response.
///
/// The path is logged without its query string: later flows carry one-time tokens in queries.
package struct RequestLogMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let logger: Logger

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(for: request, origin: context.origin)
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        do {
            var response = try await next(request, context)
            response.headers[.xRequestID] = context.requestID
            log(request, context: context, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, context: context, status: status, since: start)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        let tenant: String =
            switch context.origin.resolution {
            case .tenant(let tenant, _): tenant.slug.rawValue
            default: "-"
            }
        logger.info(
            "request",
            metadata: [
                "request_id": .string(context.requestID),
                "tenant": .string(tenant),
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(status),
                "duration_ms": .string(Self.twoDecimals(milliseconds)),
            ]
        )
    }

    /// `12.34`: `String(format:)` went through Foundation's formatter on every request.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((max(0, value) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// A trusted proxy's id is kept so lines correlate across hops; anyone else gets a fresh one.
    static func requestID(for request: Request, origin: RequestOrigin) -> String {
        if origin.viaTrustedProxy, let incoming = request.headers[.xRequestID], isWellFormed(incoming) {
            return incoming
        }
        let value = UInt64.random(in: .min ... .max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func isWellFormed(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }
}
