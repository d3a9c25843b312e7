import Foundation
import TestSupport

/// An SFTP server on a loopback port with key authentication and a host key of its own: the backup tests'
/// off-machine remote. Its files live in `<folder>/store`, where a test can look at (or damage) what was uploaded.
///
/// The server is `rclone serve sftp` (Debian's rclone), not Debian's sshd: sshd run as root by the test process
/// starved unrelated tests of the same run under full parallel load (requests to other test servers stalled until
/// their deadlines; each of the suites passed alone), which `rclone serve sftp` does not.
final class SFTPServer: Sendable {
    let process: ChildProcess
    let port: Int
    let folder: String
    let user: String

    /// The rclone remote for `store/<path>`, as a connection string: key authentication, and the server's host key
    /// pinned in a known_hosts file.
    func remote(_ path: String = "portal-backups") -> String {
        ":sftp,host=127.0.0.1,port=\(port),user=\(user),key_file=\(folder)/client_key,"
            + "known_hosts_file=\(folder)/known_hosts:\(path)"
    }

    var store: String { folder + "/store" }

    private init(process: ChildProcess, port: Int, folder: String, user: String) {
        self.process = process
        self.port = port
        self.folder = folder
        self.user = user
    }

    deinit { process.signal(SIGKILL) }

    /// Stops the server and waits for it. Call it (in a `defer`) where the server is last needed: without a use at
    /// the end of the test, Swift may release the server, and stop it, right after the test's last mention of it.
    func stop() async {
        process.signal(SIGKILL)
        _ = await process.exit()
    }

    static func start(in folder: String) async throws -> SFTPServer {
        try FileManager.default.createDirectory(atPath: folder + "/store", withIntermediateDirectories: true)
        for key in ["host_key", "client_key"] {
            let keygen = try ChildProcess(
                "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(folder)/\(key)"])
            guard await keygen.exit() == .exited(0) else { throw Failure("ssh-keygen failed") }
        }
        try FileManager.default.copyItem(atPath: folder + "/client_key.pub", toPath: folder + "/authorized_keys")
        let user = "portal"
        let hostKey = try String(contentsOfFile: folder + "/host_key.pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        for _ in 0..<5 {
            let port = try DNSServer.freePort()
            try "[127.0.0.1]:\(port) \(hostKey)\n".write(
                toFile: folder + "/known_hosts", atomically: true, encoding: .utf8)
            let process = try ChildProcess(
                "/usr/bin/rclone",
                [
                    "--config", "/dev/null", "serve", "sftp", folder + "/store", "--addr", "127.0.0.1:\(port)",
                    "--key", folder + "/host_key", "--authorized-keys", folder + "/authorized_keys",
                ], environment: ["PATH": "/usr/bin:/bin", "HOME": folder])
            for _ in 0..<200 where process.isRunning {
                if !DNSServer.isFree(port) {
                    return SFTPServer(process: process, port: port, folder: folder, user: user)
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            process.signal(SIGKILL)
            _ = await process.exit()
        }
        throw Failure("the SFTP server did not start on loopback")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
