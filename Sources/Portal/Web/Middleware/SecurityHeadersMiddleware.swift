import HTTPTypes
import Hummingbird

/// Strict security headers on every response; HSTS only when the request arrived over TLS.
package struct SecurityHeadersMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    /// No inline script or style, nothing from other origins, never framed.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    static let permissionsPolicy =
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
        + "payment=(), usb=(), interest-cohort=()"

    /// The headers as fields, made (and their values checked by HTTPTypes) once rather than on every response.
    static let contentSecurityPolicyField = HTTPField(name: .contentSecurityPolicy, value: contentSecurityPolicy)
    static let frameOptionsField = HTTPField(name: .xFrameOptions, value: "DENY")
    static let alwaysSet = [
        HTTPField(name: .xContentTypeOptions, value: "nosniff"),
        HTTPField(name: .referrerPolicy, value: "strict-origin-when-cross-origin"),
        HTTPField(name: .permissionsPolicy, value: permissionsPolicy),
        HTTPField(name: .crossOriginOpenerPolicy, value: "same-origin"),
    ]
    static let transportSecurityField = HTTPField(
        name: .strictTransportSecurity, value: "max-age=63072000; includeSubDomains")

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        // A route's own policy and framing rule stay; the others replace whatever a route set.
        if !response.headers.contains(.contentSecurityPolicy) {
            response.headers.append(Self.contentSecurityPolicyField)
        }
        if !response.headers.contains(.xFrameOptions) { response.headers.append(Self.frameOptionsField) }
        for field in Self.alwaysSet {
            if response.headers.contains(field.name) { response.headers[values: field.name] = [] }
            response.headers.append(field)
        }
        if context.origin.isSecure {
            if response.headers.contains(.strictTransportSecurity) {
                response.headers[values: .strictTransportSecurity] = []
            }
            response.headers.append(Self.transportSecurityField)
        }
        return response
    }
}
