import Foundation

/// The off-machine copy of the backups: any rclone remote (S3-compatible, SFTP, B2, a mounted folder), driven by
/// the `rclone` command (an absolute path is a local or mounted folder), with one folder per database: `<remote>/<slug>/<slug>-<stamp>.tar.gz` for a tenant and
/// `<remote>/_platform/platform-<stamp>.tar.gz` for the platform database.
///
/// rclone reads its remotes from its own configuration (`--rclone-config`, else `RCLONE_CONFIG`, else
/// `~/.config/rclone/rclone.conf`) or from `RCLONE_CONFIG_<NAME>_*` variables; a connection string such as
/// `:sftp,host=backup.example,user=portal:backups` needs neither. rclone checks each transfer's checksum itself.
package struct BackupRemote: Sendable, Equatable {
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package var action: String
        package var detail: String

        package var description: String { "rclone could not \(action): \(detail)" }
    }

    /// `NAME:PATH` or a connection string; never ends with a slash.
    package let target: String
    package let configFile: String?
    package let executable: String
    package let timeout: Duration
    /// Where rclone's logs and listings are written while it runs.
    package let scratch: URL

    package init(
        target: String, configFile: String? = nil, executable: String = "/usr/bin/rclone",
        timeout: Duration = .seconds(600), scratch: URL
    ) throws {
        let trimmed = target.trimmingCharacters(in: .whitespaces)
        guard trimmed.contains(":") || trimmed.hasPrefix("/"), !trimmed.contains("\n"), !trimmed.hasPrefix("-") else {
            throw Failure(
                action: "use the backup remote \"\(target)\"",
                detail:
                    "name it as rclone does: REMOTE:PATH (a configured remote), :TYPE,OPTION=VALUE:PATH, or an absolute folder (a mounted disk)"
            )
        }
        self.target = trimmed.hasSuffix("/") && !trimmed.hasSuffix(":/") ? String(trimmed.dropLast()) : trimmed
        self.configFile = configFile
        self.executable = executable
        self.timeout = timeout
        self.scratch = scratch
    }

    /// The remote path of a database's folder, or of one file in it.
    func path(_ database: String, _ name: String? = nil) -> String {
        let separator = target.hasSuffix(":") || target.hasSuffix("/") ? "" : "/"
        return target + separator + database + "/" + (name ?? "")
    }

    /// Copies a local file into the database's folder under its own name.
    package func push(_ file: URL, database: String) async throws {
        _ = try await rclone(
            ["copyto", file.path, path(database, file.lastPathComponent)], action: "upload \(file.lastPathComponent)")
    }

    /// Copies one of the database's remote files to `destination`.
    package func fetch(_ name: String, database: String, to destination: URL) async throws {
        _ = try await rclone(["copyto", path(database, name), destination.path], action: "download \(name)")
    }

    /// The file names in the database's folder (empty when it has none).
    package func files(of database: String) async throws -> [String] {
        try await rclone(["lsf", "--files-only", path(database)], action: "list \(database)", missingIsEmpty: true)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// The databases that have a folder on the remote.
    package func databases() async throws -> [String] {
        let root = target.hasSuffix(":") || target.hasSuffix("/") ? target : target + "/"
        return try await rclone(["lsf", "--dirs-only", root], action: "list the remote", missingIsEmpty: true)
            .split(separator: "\n").map { $0.hasSuffix("/") ? String($0.dropLast()) : String($0) }
            .filter { !$0.isEmpty }
    }

    package func delete(_ name: String, database: String) async throws {
        _ = try await rclone(["deletefile", path(database, name)], action: "delete \(name)")
    }

    /// Runs rclone; returns its standard output. A folder that does not exist yet lists as empty.
    private func rclone(_ arguments: [String], action: String, missingIsEmpty: Bool = false) async throws -> String {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let run = UUID().uuidString
        let output = scratch.appendingPathComponent("rclone-\(run).out")
        let log = scratch.appendingPathComponent("rclone-\(run).log")
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: log)
        }
        var options = ["--config", configFile ?? Self.defaultConfig, "--retries", "3", "--low-level-retries", "5"]
        options += ["--contimeout", "15s", "--timeout", "60s", "--log-level", "ERROR"]
        let status: Int32
        do {
            status = try await ToolProcess.run(
                executable, options + arguments, environment: Self.environment(), output: output, errors: log,
                timeout: timeout)
        } catch {
            throw Failure(action: action, detail: "\(error)")
        }
        // rclone's exit code 3: directory not found.
        if status == 3, missingIsEmpty { return "" }
        guard status == 0 else {
            throw Failure(action: action, detail: "exit \(status): \(ToolProcess.lastWords(of: log, lines: 2))")
        }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// rclone's default configuration file, which it reads when `RCLONE_CONFIG` is not set.
    static var defaultConfig: String {
        let environment = ProcessInfo.processInfo.environment
        if let file = environment["RCLONE_CONFIG"], !file.isEmpty { return file }
        let home = environment["HOME"] ?? "/root"
        return (environment["XDG_CONFIG_HOME"] ?? home + "/.config") + "/rclone/rclone.conf"
    }

    /// The child's environment: a fixed PATH and HOME, and the operator's `RCLONE_*` settings (remote definitions
    /// by environment); nothing else of the server's.
    static func environment() -> [String] {
        let environment = ProcessInfo.processInfo.environment
        var result = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=\(environment["HOME"] ?? "/root")"]
        for (key, value) in environment where key.hasPrefix("RCLONE_") && key != "RCLONE_CONFIG" {
            result.append("\(key)=\(value)")
        }
        return result.sorted()
    }
}
