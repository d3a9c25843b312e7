import Foundation
import Integrations
import Logging
import Sandbox
import ServiceLifecycle
import Synchronization

/// The WHMCS and WHM simulators on free loopback ports for the length of `body`.
func withSandbox<T: Sendable>(
    now: @escaping @Sendable () -> Date = { Date() },
    _ body: @Sendable (_ sandbox: Sandbox, _ whmcsURL: String, _ whmURL: String) async throws -> T
) async throws -> T {
    let folder = try TemporaryFolder()
    var configuration = SandboxConfiguration(directory: folder.path + "/sandbox")
    configuration.whmcsPort = 0
    configuration.whmPort = 0
    configuration.twentyIPort = 0
    configuration.sslStorePort = 0
    configuration.cloudSizes = try CloudSizes.load(path: TestPaths.assets + "/catalogue/resource-map.json")
    let sandbox = try await Sandbox(configuration, now: now)
    let quiet = Logger(label: "sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    let ports = Mutex<[String: Int]>([:])
    let (started, continuation) = AsyncStream.makeStream(of: Void.self)
    let group = ServiceGroup(
        services: sandbox.services(logger: quiet) { name, port in
            if ports.withLock({
                $0[name] = port; return $0.count
            }) == Sandbox.simulatorCount {
                continuation.finish()
            }
        },
        gracefulShutdownSignals: [], logger: quiet
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        for await _ in started {}
        let bound = ports.withLock { $0 }
        do {
            let result = try await body(
                sandbox, "http://127.0.0.1:\(bound["whmcs"] ?? 0)", "http://127.0.0.1:\(bound["whm"] ?? 0)")
            await group.triggerGracefulShutdown()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
    }
}
