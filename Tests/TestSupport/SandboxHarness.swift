import AsyncHTTPClient
import Foundation
import Integrations
import Logging
import NIOCore
import NIOHTTP1
import Sandbox
import ServiceLifecycle
import Synchronization

/// A running sandbox on free loopback ports, with clients pointed at it.
package struct SandboxHarness: Sendable {
    package let sandbox: Sandbox
    package let whmcsURL: String
    package let whmURL: String
    package let twentyIURL: String
    package let sslStoreURL: String
    package let stripeURL: String
    package let http: HTTPClient
    /// The live transport's clients, with the same settings as `http`.
    package let clients: PinnedHTTPClients
    package let breakers: CircuitBreakers
    package let logs: LogCapture

    package var credentials: SandboxCredentials { sandbox.credentials }

    /// The WHMCS credential and `responsetype=json`, to start a raw API form body with.
    package var whmcsAuth: String {
        "identifier=\(credentials.whmcsIdentifier)&secret=\(credentials.whmcsSecret)&responsetype=json"
    }

    /// A caller with instant retries, so fault tests finish quickly; its default time limit is a guard against a hang
    /// (a loaded two-core machine can be slow), and fault tests pass a short one of their own.
    package func caller(
        _ upstream: Upstream, tenant: String = "acme", identifier: String, timeout: Duration = .seconds(60),
        attempts: Int = 3, breakers: CircuitBreakers? = nil, transport: UpstreamTransport? = nil
    ) -> UpstreamCaller {
        var caller = UpstreamCaller(
            tenant: tenant, upstream: upstream, credentialIdentifier: identifier,
            transport: transport ?? .live(clients, egress: .system),
            breakers: breakers ?? self.breakers,
            retry: RetryPolicy(maximumAttempts: attempts, baseDelay: .milliseconds(1), maximumDelay: .milliseconds(2)),
            timeouts: UpstreamTimeouts(total: timeout), logger: logs.logger
        )
        caller.sleep = { _ in }
        caller.settleDelay = .zero
        caller.egress = .anyAddress
        return caller
    }

    package func whmcs(
        tenant: String = "acme", secret: String? = nil, timeout: Duration = .seconds(60), attempts: Int = 3,
        breakers: CircuitBreakers? = nil, transport: UpstreamTransport? = nil
    ) -> WHMCSClient {
        WHMCSClient(
            credentials: WHMCSCredentials(
                baseURL: whmcsURL, identifier: credentials.whmcsIdentifier, secret: secret ?? credentials.whmcsSecret
            ),
            caller: caller(
                .whmcs, tenant: tenant, identifier: credentials.whmcsIdentifier, timeout: timeout, attempts: attempts,
                breakers: breakers, transport: transport
            )
        )
    }

    package func whm(
        user: String? = nil, token: String? = nil, tenant: String = "acme", timeout: Duration = .seconds(60)
    )
        -> WHMClient
    {
        WHMClient(
            credentials: WHMCredentials(
                baseURL: whmURL, username: user ?? credentials.whmUser, token: token ?? credentials.whmToken),
            caller: caller(.whm, tenant: tenant, identifier: user ?? credentials.whmUser, timeout: timeout)
        )
    }

    package func twentyI(key: String? = nil, tenant: String = "acme", timeout: Duration = .seconds(60)) -> TwentyIClient
    {
        TwentyIClient(
            credentials: TwentyICredentials(baseURL: twentyIURL, generalKey: key ?? credentials.twentyIKey),
            caller: caller(.twentyI, tenant: tenant, identifier: "20i-general", timeout: timeout)
        )
    }

    package func sslStore(token: String? = nil, tenant: String = "acme", timeout: Duration = .seconds(60))
        -> SSLStoreClient
    {
        SSLStoreClient(
            credentials: SSLStoreCredentials(
                baseURL: sslStoreURL, partnerCode: credentials.sslStorePartnerCode,
                authToken: token ?? credentials.sslStoreAuthToken
            ),
            caller: caller(.sslStore, tenant: tenant, identifier: credentials.sslStorePartnerCode, timeout: timeout)
        )
    }

    /// Raw 20i call: status and body text.
    package func sendTwentyI(_ method: HTTPMethod, _ path: String, body: String? = nil, key: String? = nil) async throws
        -> (
            Int, String
        )
    {
        var request = HTTPClientRequest(url: twentyIURL + path)
        request.method = method
        request.headers.add(
            name: "Authorization", value: "Bearer " + Data((key ?? credentials.twentyIKey).utf8).base64EncodedString())
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Raw JSON POST to TheSSLStore simulator's REST path (such as `/product/query/`): status and body text.
    package func postSSLStore(_ path: String, _ body: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: sslStoreURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Raw form POST to the WHMCS endpoint: status and body text, for checking the wire format itself.
    package func postWHMCS(_ body: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: whmcsURL + "/includes/api.php")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Raw WHM call with an Authorization header.
    package func getWHM(_ pathAndQuery: String, authorization: String?) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: whmURL + pathAndQuery)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Runs `body` with both simulators listening on free ports, sharing a fresh database folder.
    /// `autoCapture`: WHMCS pays each invoice the moment it is made (a stored card), so tests about other things need
    /// not pay; off by default, as a WHMCS installation is.
    package static func with<T: Sendable>(
        now: @escaping @Sendable () -> Date = { Date() }, autoCapture: Bool = false,
        tax: (rate: String, inclusive: Bool)? = nil,
        _ body: @Sendable (SandboxHarness) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SandboxConfiguration(directory: directory)
        configuration.whmcsPort = 0
        configuration.whmPort = 0
        configuration.twentyIPort = 0
        configuration.sslStorePort = 0
        configuration.stripePort = 0
        configuration.autoCapture = autoCapture
        configuration.tax = tax
        // Webhook retries in a test come quickly, and not for long.
        configuration.stripeDeliveryAttempts = 3
        configuration.stripeRetryDelay = .milliseconds(200)
        configuration.cloudSizes = try CloudSizes.load(path: TestPaths.assets + "/catalogue/resource-map.json")
        let sandbox = try await Sandbox(configuration, now: now)
        let logs = LogCapture()
        let ports = Mutex<[String: Int]>([:])
        let (started, continuation) = AsyncStream.makeStream(of: Void.self)
        var quiet = Logger(label: "sandbox")
        quiet.logLevel = .critical
        let group = ServiceGroup(
            services: sandbox.services(logger: quiet) { name, port in
                let ready = ports.withLock {
                    $0[name] = port; return $0.count == Sandbox.simulatorCount
                }
                if ready { continuation.finish() }
            },
            gracefulShutdownSignals: [], logger: quiet
        )
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout.connect = .seconds(2)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let clients = PinnedHTTPClients(configuration: clientConfiguration)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in started {}
            let bound = ports.withLock { $0 }
            let harness = SandboxHarness(
                sandbox: sandbox, whmcsURL: "http://127.0.0.1:\(bound["whmcs"] ?? 0)",
                whmURL: "http://127.0.0.1:\(bound["whm"] ?? 0)", twentyIURL: "http://127.0.0.1:\(bound["20i"] ?? 0)",
                sslStoreURL: "http://127.0.0.1:\(bound["sslstore"] ?? 0)",
                stripeURL: "http://127.0.0.1:\(bound["stripe"] ?? 0)", http: http,
                clients: clients,
                breakers: CircuitBreakers(failureThreshold: 3, openDuration: 60),
                logs: logs
            )
            do {
                let result = try await body(harness)
                await group.triggerGracefulShutdown()
                try await http.shutdown()
                await clients.shutdown()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await http.shutdown()
                await clients.shutdown()
                throw error
            }
        }
    }
}
