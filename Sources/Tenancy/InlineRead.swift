import GRDB
import Synchronization

/// A read-only connection of its own for the few short, indexed reads every signed-in request makes (the session,
/// the dashboard), run on the calling thread instead of hopping to a reader's queue and back.
///
/// It is separate from the pool's readers on purpose: a pool reader held by an `async` read is given back only when
/// that task resumes on a cooperative thread, so waiting for one here could block the very threads it needs. Only
/// synchronous reads ever use this connection, and each finishes without needing any other thread, so a caller
/// waits at most for another caller's few microseconds. Anything that scans, writes or may touch the disk for long
/// stays on the pool's `async` reads.
package final class InlineReader: Sendable {
    private let path: String
    /// Opened on first use: most tenant databases are opened for the storefront, which never reads this way. Once
    /// closed it stays closed (an opening started in the background may finish after its pool closed).
    private let connection = Mutex<(queue: DatabaseQueue?, closed: Bool)>((nil, false))

    package init(path: String) {
        self.path = path
    }

    /// One read transaction on the calling thread.
    package func read<T>(_ value: (Database) throws -> T) throws -> T {
        // In a synchronous function only GRDB's synchronous `read` applies, so no hop is taken.
        try queue().read(value)
    }

    /// SQLite's `PRAGMA data_version` of this connection: it changes whenever another connection (the pool's
    /// writer, or another process) has committed since this connection last looked. One statement, no transaction.
    package func dataVersion() throws -> Int64 {
        try queue().inDatabase { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// Opens the connection on a blocking thread, unless it is open: for a request that opened the pool and reads
    /// its session next, so that opening this connection (SQLite parses the whole schema for each) overlaps its
    /// other reads instead of following them. A failure here is met again, and reported, by the first read.
    package func openInBackground() {
        guard connection.withLock({ $0.queue == nil && !$0.closed }) else { return }
        BlockingIO.start { [self] in _ = try? queue() }
    }

    /// Whether the connection is open now (for tests).
    var isOpen: Bool { connection.withLock { $0.queue != nil } }

    private func queue() throws -> DatabaseQueue {
        try connection.withLock { connection in
            if let queue = connection.queue { return queue }
            guard !connection.closed else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed") }
            var configuration = Configuration()
            configuration.readonly = true
            configuration.foreignKeysEnabled = true
            let opened = try DatabaseQueue(path: path, configuration: configuration)
            connection.queue = opened
            return opened
        }
    }

    func close() throws {
        let open = connection.withLock { connection -> DatabaseQueue? in
            defer { connection = (nil, true) }
            return connection.queue
        }
        try open?.close()
    }
}
