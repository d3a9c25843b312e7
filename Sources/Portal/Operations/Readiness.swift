import Foundation
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What `GET /internal/ready` judges, beyond what it reads itself (the registry and the disk): whether the server is
/// draining for shutdown, and when the order pipeline's worker last completed a round.
package final class Readiness: Sendable {
    /// When the server stops being ready.
    package struct Thresholds: Sendable, Equatable {
        /// Less free space than this on the data disk.
        package var minimumFreeBytes: Int64 = 512 << 20
        /// No completed pipeline round for this long (counted from start until the first one).
        package var pipelineStale: TimeInterval = 300

        package init() {}
    }

    private struct State {
        var draining = false
        var lastPipelineRound: Date?
    }

    package let thresholds: Thresholds
    private let started: Date
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    package init(thresholds: Thresholds = Thresholds(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.thresholds = thresholds
        self.now = now
        started = now()
    }

    package var isDraining: Bool { state.withLock { $0.draining } }

    /// From now on the server answers "not ready", so a load balancer sends no new traffic while it shuts down.
    package func markDraining() {
        state.withLock { $0.draining = true }
    }

    /// The order pipeline's worker went once round its queue.
    package func pipelineRoundCompleted() {
        let at = now()
        state.withLock { $0.lastPipelineRound = at }
    }

    /// Why the server should not get traffic now, one sentence each; empty when it is ready.
    package func problems(registryReadable: Bool, freeBytes: Int64?) -> [String] {
        let (draining, lastRound) = state.withLock { ($0.draining, $0.lastPipelineRound) }
        var problems: [String] = []
        if draining { problems.append("draining: the server is shutting down") }
        if !registryReadable { problems.append("registry: platform.sqlite cannot be read") }
        if let freeBytes, freeBytes < thresholds.minimumFreeBytes {
            problems.append(
                "disk: \(freeBytes >> 20) MiB free on the data disk, less than \(thresholds.minimumFreeBytes >> 20) MiB"
            )
        }
        let since = now().timeIntervalSince(lastRound ?? started)
        if since > thresholds.pipelineStale {
            problems.append(
                "pipeline: the order worker has not completed a round for \(Int(since)) s "
                    + "(limit \(Int(thresholds.pipelineStale)) s)")
        }
        return problems
    }

    /// Free bytes for an unprivileged writer on the file system holding `path`; nil when it cannot be read.
    package static func freeBytes(at path: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}

/// On graceful shutdown, marks the server as draining and holds the rest of the shutdown for `delay`, while the
/// HTTP server still answers: `/internal/ready` says 503 and the proxy moves traffic elsewhere. Run it after the
/// application in one service group, so that it is the first to be told (a group shuts down in reverse order).
package struct DrainSignal: Service {
    let readiness: Readiness
    let delay: Duration

    package init(readiness: Readiness, delay: Duration) {
        self.readiness = readiness
        self.delay = delay
    }

    package func run() async throws {
        try? await gracefulShutdown()
        readiness.markDraining()
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}
