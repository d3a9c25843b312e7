import AsyncHTTPClient
import Branding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Tenancy
import TestSupport

@testable import Portal

#if canImport(Glibc)
    import Glibc
#endif

/// A tenant the tests create: name, colour and products that differ per tenant.
struct TestTenant: Sendable {
    var slug: String
    var name: String
    var primaryColor = "#1f4fd1"
    var domains: [String] = []
    var products: [String] = []

    static let acme = TestTenant(
        slug: "acme", name: "Acme Hosting", primaryColor: "#c2410c", domains: ["portal.acme.example"],
        products: ["Acme Starter", "Acme Business"]
    )
    static let globex = TestTenant(
        slug: "globex", name: "Globex Web", primaryColor: "#0f766e", products: ["Globex Launch", "Globex Grow"]
    )
}

/// Creates tenants in a data folder the way `portal tenant add` does, then seeds their brand and products.
///
/// Runs on `BlockingIO`'s threads: tests share the two cooperative threads with the servers they test,
/// and blocking one of them would starve those servers.
func createTenants(_ tenants: [TestTenant], in dataPath: String, baseDomain: String = "localhost") async throws {
    try await BlockingIO.run { try createTenantsNow(tenants, in: dataPath, baseDomain: baseDomain) }
}

private func createTenantsNow(_ tenants: [TestTenant], in dataPath: String, baseDomain: String) throws {
    let dataDirectory = DataDirectory(path: dataPath)
    let platform = try PlatformDatabase(dataDirectory: dataDirectory)
    defer { try? platform.close() }
    let onboarding = TenantOnboarding(platform: platform, dataDirectory: dataDirectory, baseDomain: baseDomain)
    for tenant in tenants {
        try onboarding.addTenant(.init(slug: tenant.slug, name: tenant.name, customDomains: tenant.domains)) {
            database, _ in
            let color = try HexColor(tenant.primaryColor)
            try database.updateBrandNow { brand in
                brand.primaryColor = color
                brand.tagline = "\(tenant.name) tagline"
            }
            try database.pool.write { db in
                for (index, name) in tenant.products.enumerated() {
                    var product = Product(
                        slug: "plan-\(index)", name: name, summary: "\(name) summary", kind: .sharedHosting,
                        position: index
                    )
                    product.whmPackage = index == 0 ? "starter" : "pro"
                    product.diskMB = 10_240
                    let price = ProductPrice(
                        cycle: .monthly, priceMinor: Int64(299 * (index + 1)), setupMinor: 0, costMinor: 140)
                    try CatalogueStore.insert(db, CatalogueEntry(product: product, prices: [price]))
                }
            }
        }
    }
}

/// The portal's services over an existing data folder, configured as every test runs them (a free port, the
/// repository's assets, sandbox upstreams allowed), without starting the server.
func makeDependencies(
    dataPath: String, configure: (inout PortalConfiguration) -> Void = { _ in },
    logger: Logger = Logger(label: "portal-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
    clock: TestClock = TestClock()
) async throws -> PortalDependencies {
    var configuration = PortalConfiguration()
    configuration.port = 0
    configuration.dataDirectory = dataPath
    configuration.assetsDirectory = TestPaths.assets
    configuration.allowSandboxUpstreams = true
    configuration.requestMetrics = false
    configuration.compileEveryLanguage = false
    configure(&configuration)
    return try await PortalDependencies.make(configuration, logger: logger, now: clock.now)
}

/// Runs the real application over an existing data folder.
func withExistingPortal(
    dataPath: String,
    configure: (inout PortalConfiguration) -> Void = { _ in },
    logger: Logger = Logger(label: "portal-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
    clock: TestClock = TestClock(),
    _ test: @escaping @Sendable (any TestClientProtocol, PortalDependencies) async throws -> Void
) async throws {
    let dependencies = try await makeDependencies(
        dataPath: dataPath, configure: configure, logger: logger, clock: clock)
    let app = buildApplication(dependencies, logger: logger)
    try await app.test(.ahc(.http)) { client in
        try await test(PatientClient(inner: client), dependencies)
    }
    try dependencies.platform.close()
}

/// The portal's services over a fresh data folder with the usual test tenants, without the server or its
/// background jobs: for use-case tests that must not race the pipeline.
func withDependencies(
    tenants: [TestTenant] = [.acme, .globex], _ test: (PortalDependencies) async throws -> Void
) async throws {
    let folder = try TemporaryFolder()
    try await createTenants(tenants, in: folder.path)
    let dependencies = try await makeDependencies(dataPath: folder.path)
    try await test(dependencies)
    try dependencies.platform.close()
}

/// The test framework's client, asked again when a read (GET or HEAD) outlives its fixed 15 s deadline: a guard
/// against a hang, not a measure of speed, on a two-core machine that may be running a build beside the suite.
struct PatientClient: TestClientProtocol {
    let inner: any TestClientProtocol

    var port: Int? { inner.port }

    func executeRequest(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?
    ) async throws -> TestResponse {
        var attempt = 0
        while true {
            do {
                return try await inner.executeRequest(uri: uri, method: method, headers: headers, body: body)
            } catch let error as HTTPClientError
                where error == .deadlineExceeded && (method == .get || method == .head) && attempt < 7
            {
                attempt += 1
            }
        }
    }
}

/// Builds the real application on a temporary data folder and runs `test` against it over loopback.
func withPortal(
    tenants: [TestTenant] = [.acme, .globex],
    configure: (inout PortalConfiguration) -> Void = { _ in },
    logger: Logger = Logger(label: "portal-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
    clock: TestClock = TestClock(),
    _ test: @escaping @Sendable (any TestClientProtocol, PortalDependencies) async throws -> Void
) async throws {
    let folder = try TemporaryFolder()
    try await createTenants(tenants, in: folder.path)
    try await withExistingPortal(dataPath: folder.path, configure: configure, logger: logger, clock: clock, test)
}

extension HTTPField.Name {
    static let testHost = Self("Host")!
    static let testForwardedHost = Self("X-Forwarded-Host")!
    static let testForwardedProto = Self("X-Forwarded-Proto")!
}

extension TestClientProtocol {
    /// A GET with the given Host header, as a browser on that host would send it.
    func get(_ uri: String, host: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        headers[.testHost] = host
        return try await execute(uri: uri, method: .get, headers: headers)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

/// A raw HTTP/1 exchange on a loopback socket, for requests no HTTP client will send (no Host, two Hosts).
func rawHTTP(port: Int, request: String) async throws -> String {
    try await BlockingIO.run { try rawHTTPNow(port: port, request: request) }
}

private func rawHTTPNow(port: Int, request: String) throws -> String {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.EIO) }
    defer { close(descriptor) }
    // Loose: under the full suite on two cores an answer can take seconds; a correctness test, not a timing one.
    var timeout = timeval(tv_sec: 120, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count <= 0 { break }
        response.append(contentsOf: buffer[0..<count])
        if let text = String(bytes: response, encoding: .utf8), text.contains("\r\n\r\n"),
            text.contains("</html>") || text.contains("Content-Length: 0")
        {
            break
        }
    }
    return String(decoding: response, as: UTF8.self)
}
