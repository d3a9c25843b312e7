import Foundation

/// Starts child processes one at a time. Foundation's `Process.run()` on Linux is not safe to call from several
/// threads at once (it crashed copying the spawn arguments while parallel tests launched caddy, dnsmasq and the CLI).
enum ProcessLaunch {
    private static let lock = NSLock()

    static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
