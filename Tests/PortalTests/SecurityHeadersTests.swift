import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Portal

@Suite("Security headers")
struct SecurityHeadersTests {
    static let nosniff = HTTPField.Name("X-Content-Type-Options")!
    static let secure = HTTPField.Name("X-Test-Secure")!

    /// Marks a request as arrived over TLS when it carries the test's header (the origin middleware is not in this
    /// router).
    struct SecureWhenAsked: RouterMiddleware {
        func handle(
            _ request: Request, context: PortalRequestContext,
            next: (Request, PortalRequestContext) async throws -> Response
        ) async throws -> Response {
            var context = context
            context.origin.isSecure = request.headers[SecurityHeadersTests.secure] != nil
            return try await next(request, context)
        }
    }

    @Test("each header is sent once: a route's own policy and framing rule stay, the others replace what a route set")
    func onceEach() async throws {
        let router = Router(context: PortalRequestContext.self)
        router.add(middleware: SecureWhenAsked())
        router.add(middleware: SecurityHeadersMiddleware())
        router.get("/plain") { _, _ in "plain" }
        router.get("/own") { _, _ -> Response in
            var headers: HTTPFields = [.contentSecurityPolicy: "default-src 'none'", .xFrameOptions: "SAMEORIGIN"]
            headers[Self.nosniff] = "something-else"
            headers.append(HTTPField(name: .referrerPolicy, value: "unsafe-url"))
            headers.append(HTTPField(name: .referrerPolicy, value: "origin"))
            return Response(status: .ok, headers: headers)
        }
        router.get("/own-hsts") { _, _ -> Response in
            Response(status: .ok, headers: [.strictTransportSecurity: "max-age=1"])
        }
        try await Application(router: router).test(.router) { client in
            let plain = try await client.execute(uri: "/plain", method: .get)
            #expect(plain.headers[values: .contentSecurityPolicy] == [SecurityHeadersMiddleware.contentSecurityPolicy])
            #expect(plain.headers[values: .xFrameOptions] == ["DENY"])
            #expect(plain.headers[values: Self.nosniff] == ["nosniff"])
            #expect(plain.headers[values: .referrerPolicy] == ["strict-origin-when-cross-origin"])
            #expect(plain.headers[values: .permissionsPolicy] == [SecurityHeadersMiddleware.permissionsPolicy])
            #expect(plain.headers[values: .crossOriginOpenerPolicy] == ["same-origin"])
            #expect(plain.headers[.strictTransportSecurity] == nil, "plain HTTP gets no HSTS")

            let own = try await client.execute(uri: "/own", method: .get)
            #expect(own.headers[values: .contentSecurityPolicy] == ["default-src 'none'"])
            #expect(own.headers[values: .xFrameOptions] == ["SAMEORIGIN"])
            #expect(own.headers[values: Self.nosniff] == ["nosniff"])
            #expect(own.headers[values: .referrerPolicy] == ["strict-origin-when-cross-origin"])

            // Over TLS: HSTS, once, replacing a route's own.
            let secure: HTTPFields = [Self.secure: "1"]
            let overTLS = try await client.execute(uri: "/own", method: .get, headers: secure)
            #expect(overTLS.headers[values: .strictTransportSecurity] == ["max-age=63072000; includeSubDomains"])
            let hsts = try await client.execute(uri: "/own-hsts", method: .get, headers: secure)
            #expect(hsts.headers[values: .strictTransportSecurity] == ["max-age=63072000; includeSubDomains"])
        }
    }
}
