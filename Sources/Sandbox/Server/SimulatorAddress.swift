import Synchronization

/// Where a simulator is reachable, known once it has bound its port; links it hands out (SSO, product URLs)
/// are built from this, never from a request's Host header.
package final class SimulatorAddress: Sendable {
    private let base = Mutex<String?>(nil)

    package init() {}

    /// `http://127.0.0.1:PORT`, or nil before the server runs.
    package var baseURL: String? { base.withLock { $0 } }

    func set(host: String, port: Int) {
        let literal = host.contains(":") ? "[\(host)]" : host
        base.withLock { $0 = "http://\(literal):\(port)" }
    }
}
