import GRDB

extension DatabasePool {
    /// Reads on the calling thread, in one read transaction, instead of hopping to a reader's queue and back.
    ///
    /// Only for the few short, indexed reads every signed-in request makes (the session, the dashboard): they
    /// take microseconds from the page cache, less than the two thread switches an `async` read costs. The wait
    /// for a free reader is bounded: readers are held only by reads like this one or by GRDB's own queues, never
    /// by work that needs the caller's thread. Anything that scans, writes or may touch the disk stays `async`.
    package func inlineRead<T>(_ value: (Database) throws -> T) throws -> T {
        // In a synchronous function only GRDB's synchronous `read` applies, so no hop is taken.
        try read(value)
    }
}
