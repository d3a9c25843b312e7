import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Tenancy

/// Works out the request's effective host, scheme and client, and which tenant the host names.
///
/// `X-Forwarded-Host`, `X-Forwarded-Proto` and `X-Forwarded-For` count only when the peer is inside a
/// trusted proxy network, and then only their right-most values, the ones a trusted proxy added; otherwise the
/// `Host` the client sent to us is the only truth.
package struct RequestOriginMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let registry: TenantRegistry
    let trustedProxies: [CIDR]
    let platformHost: String

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.origin = origin(of: request, peer: context.remoteAddress?.ipAddress)
        return try await next(request, context)
    }

    func origin(of request: Request, peer: String?) -> RequestOrigin {
        var origin = RequestOrigin()
        let viaTrustedProxy =
            !trustedProxies.isEmpty
            && peer.map { address in
                trustedProxies.contains { $0.contains(address) }
            } ?? false
        origin.clientAddress = peer
        origin.isSecure = request.head.scheme == "https"

        var rawHost = request.head.authority
        if request.headers[.hostHeader] != nil {
            // HTTP/1 moves the first Host header into the authority; one left behind is a second Host.
            origin.resolution = .badHost(.duplicate)
            return origin
        }
        if viaTrustedProxy {
            origin.viaTrustedProxy = true
            if let forwardedHost = Self.lastListValue(request.headers[values: .xForwardedHost]) {
                rawHost = forwardedHost
            }
            if let proto = Self.lastListValue(request.headers[values: .xForwardedProto]) {
                origin.isSecure = proto.lowercased() == "https"
            }
            if let client = Self.forwardedClient(request.headers[values: .xForwardedFor], trusted: trustedProxies) {
                origin.clientAddress = client
            }
        }
        origin.trustedProxies = trustedProxies
        guard let rawHost else {
            origin.resolution = .badHost(.missing)
            return origin
        }
        do {
            let host = try HostName.normalize(rawHost)
            if host == platformHost {
                origin.resolution = .platform(host: host)
            } else if let tenant = registry.tenant(forHost: host) {
                origin.resolution = .tenant(tenant, host: host)
            } else {
                origin.resolution = .unknownHost(host)
            }
        } catch {
            origin.resolution = .badHost(error)
        }
        return origin
    }

    /// The right-most element of a comma-separated header, over every line of it: the value the trusted proxy
    /// nearest to us added. Anything to its left came from further away, the client included, and could be forged.
    static func lastListValue(_ values: [String]) -> String? {
        guard let last = values.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }).last else {
            return nil
        }
        let trimmed = last.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The right-most address in X-Forwarded-For that is not itself a trusted proxy.
    static func forwardedClient(_ values: [String], trusted: [CIDR]) -> String? {
        let hops = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard CIDR.parseAddress(hop) != nil else { return nil }
            if !trusted.contains(where: { $0.contains(hop) }) { return hop }
        }
        return nil
    }
}

extension HTTPField.Name {
    static let hostHeader = Self("Host")!
    static let xForwardedHost = Self("X-Forwarded-Host")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRequestID = Self("X-Request-Id")!
    static let permissionsPolicy = Self("Permissions-Policy")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
}
