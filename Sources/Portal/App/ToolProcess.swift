import CSpawn
import Foundation

/// Runs an installed tool (WeasyPrint, rclone) as a child process and waits for it without holding a thread: no
/// inherited descriptors, a fixed environment, standard output and error to files, killed at a time limit.
package enum ToolProcess {
    package enum Failure: Error, Equatable, CustomStringConvertible {
        /// The tool is not installed or cannot be started.
        case unavailable(String)
        case timedOut

        package var description: String {
            switch self {
            case .unavailable(let reason): "cannot be started: \(reason)"
            case .timedOut: "did not finish in time"
            }
        }
    }

    /// Runs `executable` to its end; returns its exit status (128 + signal when a signal ended it). Its standard
    /// output goes to `output` and its standard error to `errors` (files, created or truncated), or nowhere.
    package static func run(
        _ executable: String, _ arguments: [String], environment: [String], output: URL? = nil, errors: URL? = nil,
        timeout: Duration
    ) async throws -> Int32 {
        func open(_ url: URL?) throws -> Int32 {
            guard let url else { return -1 }
            let descriptor = Glibc.open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw Failure.unavailable(String(cString: strerror(errno))) }
            return descriptor
        }
        let outputDescriptor = try open(output)
        defer { if outputDescriptor >= 0 { close(outputDescriptor) } }
        let errorDescriptor = try open(errors)
        defer { if errorDescriptor >= 0 { close(errorDescriptor) } }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let started = cspawn_input(&pid, executable, argv, envp, -1, outputDescriptor, errorDescriptor)
        guard started == 0 else { throw Failure.unavailable(String(cString: strerror(started))) }
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(5)
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw Failure.timedOut
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(100))
        }
    }

    /// The last `lines` lines of a tool's log file, on one line, at most 300 characters.
    package static func lastWords(of log: URL, lines: Int = 3) -> String {
        let words = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return String(words.split(separator: "\n").suffix(lines).joined(separator: " ").prefix(300))
    }
}
