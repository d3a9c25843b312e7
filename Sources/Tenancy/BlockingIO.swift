import Dispatch

/// Runs blocking file and SQLite work on its own threads, so the event loops and the
/// cooperative pool (two threads on a two-core machine) never wait on a disk.
package enum BlockingIO {
    private static let queue = DispatchQueue(label: "portal.blocking-io", attributes: .concurrent)

    package static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
