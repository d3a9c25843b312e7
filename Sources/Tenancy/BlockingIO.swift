import NIOPosix

/// Runs blocking file and SQLite work on threads of its own, so the event loops and the cooperative pool (two
/// threads on a two-core machine) never wait on a disk.
///
/// A concurrent `DispatchQueue` is not enough on Linux: its work runs on the same width-limited root-queue threads
/// as Swift's cooperative pool, so a long blocking job (creating thousands of tenant databases) took one of the two
/// threads every async task shares. A dedicated pool of real threads keeps the two apart.
package enum BlockingIO {
    /// Enough threads that slow disks and SQLite busy waits rarely queue behind each other; they sleep when idle.
    static let threadCount = 16

    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
        return pool
    }()

    package static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }

    /// Starts `work` on one of these threads without waiting for it.
    package static func start(_ work: @escaping @Sendable () -> Void) {
        pool.submit { state in
            if state == .active { work() }
        }
    }
}
