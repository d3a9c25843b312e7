import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Tenancy

/// Where HAProxy's maps are and how to reach its runtime API.
package struct ProxySettings: Sendable, Equatable {
    package var runtime: HAProxyRuntime
    /// The map of host → node, as HAProxy's configuration names it.
    package var hostsMap: String
    /// The map of node → `ADDRESS:PORT`.
    package var nodesMap: String

    package init(runtime: HAProxyRuntime, hostsMap: String, nodesMap: String) {
        self.runtime = runtime
        self.hostsMap = hostsMap
        self.nodesMap = nodesMap
    }
}

/// Keeps HAProxy's routing in step with the registry: every host of every tenant maps to the node that holds it,
/// the platform host to the first live node by name, and each node to its address. Every node runs this and computes
/// the same maps from the same registry, so it does not matter which one writes first; each pass changes only the
/// entries that differ. It runs after every registry change and every `interval` (which also repairs a proxy that
/// restarted with old map files).
package final class ProxyRouting: Service, Sendable {
    let settings: ProxySettings
    let tenants: TenantRegistry
    let platformHost: String
    let membership: ClusterMembership
    let interval: Duration
    let logger: Logger
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let passes = Mutex(0)

    package init(
        settings: ProxySettings, tenants: TenantRegistry, platformHost: String, membership: ClusterMembership,
        interval: Duration = .seconds(2), logger: Logger
    ) {
        self.settings = settings
        self.tenants = tenants
        self.platformHost = platformHost
        self.membership = membership
        self.interval = interval
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        tenants.onChange { [wake] _, _ in wake.yield() }
    }

    /// Completed passes (tests count them).
    package var passCount: Int { passes.withLock { $0 } }

    /// The maps as they should be now. A node whose heartbeat is older than `liveFor` does not get the console.
    package func wanted(liveFor: Double = 15) async throws -> (hosts: [String: String], nodes: [String: String]) {
        let snapshot = tenants.snapshot
        let known = try await membership.registry.nodes()
        let ages = try await membership.registry.heartbeatAges()
        var hosts: [String: String] = [:]
        for (host, tenant) in snapshot.routedHosts {
            if let node = snapshot.assignments[tenant] { hosts[host] = node }
        }
        let live = known.filter { ((ages[$0.name] ?? nil).map { $0 < liveFor }) ?? false }
        if let console = (live.isEmpty ? known : live).map(\.name).min() { hosts[platformHost] = console }
        var addresses: [String: String] = [:]
        for node in known {
            if let address = Self.address(of: node.advertise) { addresses[node.name] = address }
        }
        return (hosts, addresses)
    }

    /// Brings both maps up to date now; returns how many entries changed.
    @discardableResult
    package func sync() async throws -> Int {
        // A node whose copy is behind would point hosts back at where they were: it leaves the maps to the others
        // until its copy catches up (which wakes it again).
        guard try await membership.follower.isCurrent() else { return 0 }
        let (hosts, addresses) = try await wanted()
        // Addresses first: a host never points at a node the proxy cannot reach yet.
        let changed =
            try await settings.runtime.reconcile(map: settings.nodesMap, to: addresses)
            + settings.runtime.reconcile(map: settings.hostsMap, to: hosts)
        passes.withLock { $0 += 1 }
        return changed
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        self.wake.yield()
                        do { try await Task.sleep(for: self.interval) } catch { break }
                    }
                    self.wake.finish()
                }
                for await _ in self.wakes {
                    do {
                        let changed = try await self.sync()
                        if changed > 0 { self.logger.info("proxy routes updated", metadata: ["changed": "\(changed)"]) }
                    } catch is CancellationError {
                        break
                    } catch {
                        self.logger.warning("proxy routes not updated", metadata: ["error": "\(error)"])
                    }
                }
                group.cancelAll()
            }
        }
    }

    /// `http://10.0.0.11:8080` → `10.0.0.11:8080` (HAProxy sets the destination from it: an IPv4 address);
    /// `localhost` is taken as 127.0.0.1.
    static func address(of advertise: String) -> String? {
        guard let url = URLComponents(string: advertise), var host = url.host, let port = url.port else { return nil }
        if host == "localhost" { host = "127.0.0.1" }
        guard inet_addr(host) != INADDR_NONE else { return nil }
        return "\(host):\(port)"
    }
}
