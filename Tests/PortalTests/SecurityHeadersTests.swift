import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Portal

@Suite("Security headers")
struct SecurityHeadersTests {
    static let nosniff = HTTPField.Name("X-Content-Type-Options")!

    @Test("each header is sent once: a route's own policy and framing rule stay, the others replace what a route set")
    func onceEach() async throws {
        let router = Router(context: PortalRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.get("/plain") { _, _ in "plain" }
        router.get("/own") { _, _ -> Response in
            var headers: HTTPFields = [.contentSecurityPolicy: "default-src 'none'", .xFrameOptions: "SAMEORIGIN"]
            headers[Self.nosniff] = "something-else"
            headers.append(HTTPField(name: .referrerPolicy, value: "unsafe-url"))
            headers.append(HTTPField(name: .referrerPolicy, value: "origin"))
            return Response(status: .ok, headers: headers)
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
        }
    }
}
