import ArgumentParser
import Cluster
import Tenancy

/// `--registry`: the shared registry in PostgreSQL, for `serve` and the commands that change tenants.
package struct RegistryOptions: ParsableArguments {
    @Option(
        name: .customLong("registry"),
        help:
            "The registry several nodes share: postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=disable|prefer|require]. Without it the registry is platform.sqlite. (env: PORTAL_REGISTRY_URL)"
    )
    var registry: String?

    package init() {}

    /// The parsed URL, or nil on a single node.
    func resolvedRegistry() throws -> RegistryURL? {
        guard let raw = registry ?? Environment.value("PORTAL_REGISTRY_URL") else { return nil }
        do {
            return try RegistryURL(parsing: raw)
        } catch {
            throw CommandError("invalid --registry: \(error.description)")
        }
    }
}

/// `--registry`, `--node` and `--advertise`: how `portal serve` joins a cluster.
package struct ClusterOptions: ParsableArguments {
    @OptionGroup var registry: RegistryOptions

    @Option(
        name: .customLong("node"),
        help: "This node's name in the cluster: lower-case letters, digits and hyphens. (env: PORTAL_NODE)")
    var node: String?

    @Option(
        name: .customLong("advertise"),
        help: "Where the proxy and the other nodes reach this node: http://ADDRESS:PORT. (env: PORTAL_ADVERTISE)")
    var advertise: String?

    @Option(
        name: .customLong("haproxy-runtime"),
        help:
            "HAProxy's runtime API, to keep its host → node map current: unix:/run/haproxy/admin.sock or tcp://IPV4:PORT. (env: PORTAL_HAPROXY_RUNTIME)"
    )
    var haproxyRuntime: String?

    @Option(
        name: .customLong("haproxy-hosts-map"),
        help:
            "The host → node map file as HAProxy names it. (env: PORTAL_HAPROXY_HOSTS_MAP, default: /etc/haproxy/hosts.map)"
    )
    var hostsMap: String?

    @Option(
        name: .customLong("haproxy-nodes-map"),
        help:
            "The node → address map file as HAProxy names it. (env: PORTAL_HAPROXY_NODES_MAP, default: /etc/haproxy/nodes.map)"
    )
    var nodesMap: String?

    package init() {}

    /// The node's settings, or nil on a single node; a half-given set is refused with what is missing.
    func resolvedCluster() throws -> ClusterSettings? {
        let url = try registry.resolvedRegistry()
        let node = self.node ?? Environment.value("PORTAL_NODE")
        let advertise = self.advertise ?? Environment.value("PORTAL_ADVERTISE")
        guard let url else {
            if node != nil || advertise != nil {
                throw CommandError("--node and --advertise need --registry (the cluster's shared registry)")
            }
            return nil
        }
        guard let node, let advertise else {
            throw CommandError("a node of a cluster needs --node NAME and --advertise http://ADDRESS:PORT")
        }
        var settings: ClusterSettings
        do {
            settings = ClusterSettings(
                registry: url, node: try ClusterNode.validateName(node),
                advertise: try ClusterSettings.validateAdvertise(advertise))
        } catch {
            throw CommandError(error.description)
        }
        if let raw = haproxyRuntime ?? Environment.value("PORTAL_HAPROXY_RUNTIME") {
            do {
                settings.proxy = ProxySettings(
                    runtime: try HAProxyRuntime(parsing: raw),
                    hostsMap: hostsMap ?? Environment.value("PORTAL_HAPROXY_HOSTS_MAP") ?? "/etc/haproxy/hosts.map",
                    nodesMap: nodesMap ?? Environment.value("PORTAL_HAPROXY_NODES_MAP") ?? "/etc/haproxy/nodes.map")
            } catch {
                throw CommandError("invalid --haproxy-runtime: \(error.description)")
            }
        }
        return settings
    }
}
