import Foundation
import Synchronization

/// A real PostgreSQL for the cluster tests: the one `scripts/cluster/postgres.sh run` started for `make test`
/// (`PORTAL_TEST_POSTGRES`), or, when a suite runs alone, a throwaway cluster this process starts once and stops at
/// exit. Each test gets a database of its own, so tests running side by side never see each other's rows.
package enum TestPostgres {
    package struct Unavailable: Error, CustomStringConvertible {
        package let description: String
    }

    /// Started once, by whichever test asks first; every other test waits for the same start.
    private static let server = Mutex<Task<Result<String, Unavailable>, Never>?>(nil)
    private static let script = URL(fileURLWithPath: TestPaths.assets).deletingLastPathComponent()
        .appendingPathComponent("scripts/cluster/postgres.sh").path

    /// The cluster's URL (database `portal`), starting it on first use.
    package static func serverURL() async throws -> String {
        let start = server.withLock { task in
            if let task { return task }
            let started = Task { await Self.start() }
            task = started
            return started
        }
        return try await start.value.get()
    }

    /// A new, empty database on the cluster; its URL.
    package static func freshDatabase() async throws -> String {
        let base = try await serverURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await psql(base, "CREATE DATABASE \(name)")
        return base.replacingOccurrences(of: "/portal?", with: "/\(name)?")
    }

    /// Runs one SQL command on `url` with psql; throws with psql's message when it fails.
    @discardableResult
    package static func psql(_ url: String, _ sql: String) async throws -> String {
        guard let bin = binFolder() else { throw Unavailable(description: "PostgreSQL is not installed") }
        let psql = try ChildProcess(
            bin + "/psql",
            [url.replacingOccurrences(of: "?sslmode=disable", with: ""), "-v", "ON_ERROR_STOP=1", "-tAc", sql],
            standardOutput: .capture, standardError: .capture)
        let (termination, output, error) = await psql.run()
        guard termination == .exited(0) else {
            throw Unavailable(description: "psql failed: \(String(decoding: error, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func binFolder() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).max().map { "\(root)/\($0)/bin" }
    }

    private static func start() async -> Result<String, Unavailable> {
        if let url = ProcessInfo.processInfo.environment["PORTAL_TEST_POSTGRES"], !url.isEmpty {
            return .success(url)
        }
        let folder = "/tmp/portal-test-postgres-\(getpid())"
        var port: UInt16 = 0
        do {
            port = try freePort()
            let child = try ChildProcess(
                "/bin/bash", [script, "start", folder, String(port)], standardOutput: .capture,
                standardError: .capture)
            let (termination, output, error) = await child.run()
            guard termination == .exited(0) else {
                return .failure(
                    Unavailable(description: "could not start PostgreSQL: \(String(decoding: error, as: UTF8.self))"))
            }
            stopAtExit(folder: folder)
            return .success(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return .failure(Unavailable(description: "could not start PostgreSQL: \(error)"))
        }
    }

    nonisolated(unsafe) private static var folderToStop: String?

    private static func stopAtExit(folder: String) {
        folderToStop = folder
        atexit {
            guard let folder = TestPostgres.folderToStop else { return }
            // At exit there is no event loop left to wait on: a plain fork and wait.
            let script = TestPostgres.script
            var pid: pid_t = 0
            var argv: [UnsafeMutablePointer<CChar>?] = []
            for argument in ["/bin/bash", script, "stop", folder] { argv.append(strdup(argument)) }
            argv.append(nil)
            if posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ) == 0 {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// A loopback port nobody listens on now.
    package static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable(description: "no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Unavailable(description: "could not find a free port") }
        return UInt16(bigEndian: address.sin_port)
    }
}
