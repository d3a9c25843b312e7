import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's descriptor budget, which bounds how many tenant databases may be open at once.
package enum FileDescriptors {
    /// Raises the soft RLIMIT_NOFILE to the hard limit and returns the new soft limit.
    @discardableResult
    package static func raiseLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// Descriptors this process has open now (Linux: entries of /proc/self/fd).
    package static func openCount() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count
    }

    /// How many tenant pools fit in the descriptor budget after keeping `reserve` for sockets and files.
    package static func poolBound(requested: Int, limit: Int, reserve: Int = 1024) -> Int {
        let budget = max(limit - reserve, TenantDatabase.descriptorsPerPool)
        return max(1, min(requested, budget / TenantDatabase.descriptorsPerPool))
    }
}
