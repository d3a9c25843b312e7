import CSpawn
import Foundation
import Synchronization

/// A child process started with `posix_spawn`, for tests that run real tools (caddy, dnsmasq, curl, python) and
/// the `portal` executable itself. Foundation's `Process.run()` on Linux sometimes crashes while it closes the
/// parent's descriptors (swift-corelibs-foundation #5472); this starts the child in one system call, with every
/// descriptor but its standard streams closed and default signal handling.
public final class ChildProcess: Sendable {
    /// Where a standard stream of the child goes.
    public enum Output: Sendable {
        case discard
        case capture
    }

    /// How the child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    public enum Failure: Error, CustomStringConvertible {
        case spawn(path: String, errno: Int32)
        case pipe(errno: Int32)

        public var description: String {
            switch self {
            case .spawn(let path, let code): "could not start \(path): \(String(cString: strerror(code)))"
            case .pipe(let code): "could not make a pipe: \(String(cString: strerror(code)))"
            }
        }
    }

    public let processIdentifier: pid_t
    /// The read end of the child's standard output or error, when captured.
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?
    private let ended = Mutex<Termination?>(nil)

    /// Starts `executable` now. `environment` replaces the parent's when given.
    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        standardOutput: Output = .discard, standardError: Output = .discard
    ) throws {
        let out = try standardOutput == .capture ? Self.pipe() : nil
        let err = try standardError == .capture ? Self.pipe() : nil
        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            if let out { close(out.write) }
            if let err { close(err.write) }
        }
        var pid: pid_t = 0
        let result = cspawn(&pid, executable, argv, envp, out?.write ?? -1, err?.write ?? -1)
        guard result == 0 else {
            if let out { close(out.read) }
            if let err { close(err.read) }
            throw Failure.spawn(path: executable, errno: result)
        }
        processIdentifier = pid
        self.standardOutput = out.map { FileHandle(fileDescriptor: $0.read, closeOnDealloc: true) }
        self.standardError = err.map { FileHandle(fileDescriptor: $0.read, closeOnDealloc: true) }
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard cspawn_pipe(&ends) == 0 else { throw Failure.pipe(errno: errno) }
        return (ends[0], ends[1])
    }

    /// How the child ended, or nil while it runs. Reaps it once it has ended.
    public var termination: Termination? {
        ended.withLock { ended in
            if ended == nil {
                var status: Int32 = 0
                if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier {
                    let signal = status & 0x7f
                    ended = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
                }
            }
            return ended
        }
    }

    public var isRunning: Bool { termination == nil }

    /// Sends SIGTERM.
    public func terminate() { signal(SIGTERM) }

    /// Sends `signal` while the child has not been reaped (so the number cannot name another process).
    public func signal(_ signal: Int32) {
        ended.withLock { ended in
            if ended == nil { _ = kill(processIdentifier, signal) }
        }
    }

    /// Waits for the child to end, checking every few milliseconds without holding a thread.
    @discardableResult
    public func exit() async -> Termination {
        while true {
            if let termination { return termination }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits at most `seconds` for the child to end; true when it did.
    public func exit(within seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !isRunning
    }

    /// Reads the captured standard output to its end, then waits for the child: for short-lived tools.
    public func run() async -> (termination: Termination, output: Data, error: Data) {
        async let output = Self.drain(standardOutput)
        async let error = Self.drain(standardError)
        let (out, err) = await (output, error)
        return (await exit(), out, err)
    }

    private static func drain(_ handle: FileHandle?) async -> Data {
        guard let handle else { return Data() }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }

    deinit {
        // Reap a child that ended, so it does not linger as a zombie; one still running was started on purpose.
        _ = termination
    }
}
