import Foundation
import TestSupport

/// Debian's sshd on a loopback port, serving SFTP with a key of its own: the backup tests' off-machine remote.
/// Its files live in `<folder>/store`, where a test can look at (or damage) what was uploaded.
final class SFTPServer: Sendable {
    let process: ChildProcess
    let port: Int
    let folder: String
    let user: String

    /// The rclone remote for `store/<path>`, as a connection string: key authentication, and the server's host key
    /// pinned in a known_hosts file.
    func remote(_ path: String = "portal-backups") -> String {
        ":sftp,host=127.0.0.1,port=\(port),user=\(user),key_file=\(folder)/client_key,"
            + "known_hosts_file=\(folder)/known_hosts:\(folder)/store/\(path)"
    }

    var store: String { folder + "/store" }

    private init(process: ChildProcess, port: Int, folder: String, user: String) {
        self.process = process
        self.port = port
        self.folder = folder
        self.user = user
    }

    deinit { process.signal(SIGKILL) }

    static func start(in folder: String) async throws -> SFTPServer {
        try FileManager.default.createDirectory(atPath: folder + "/store", withIntermediateDirectories: true)
        for key in ["host_key", "client_key"] {
            let keygen = try ChildProcess(
                "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(folder)/\(key)"])
            guard await keygen.exit() == .exited(0) else { throw Failure("ssh-keygen failed") }
        }
        try FileManager.default.copyItem(atPath: folder + "/client_key.pub", toPath: folder + "/authorized_keys")
        // As root, sshd wants its privilege-separation folder (Debian's service would make it).
        if getuid() == 0 {
            try FileManager.default.createDirectory(
                atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let hostKey = try String(contentsOfFile: folder + "/host_key.pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        for _ in 0..<5 {
            let port = try DNSServer.freePort()
            let config = """
                ListenAddress 127.0.0.1:\(port)
                HostKey \(folder)/host_key
                PidFile \(folder)/sshd.pid
                AuthorizedKeysFile \(folder)/authorized_keys
                StrictModes no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                PermitRootLogin prohibit-password
                Subsystem sftp internal-sftp
                """
            try config.write(toFile: folder + "/sshd_config", atomically: true, encoding: .utf8)
            try "[127.0.0.1]:\(port) \(hostKey)\n".write(
                toFile: folder + "/known_hosts", atomically: true, encoding: .utf8)
            let process = try ChildProcess(
                "/usr/sbin/sshd", ["-f", folder + "/sshd_config", "-D", "-e"], environment: ["PATH": "/usr/bin:/bin"])
            for _ in 0..<200 where process.isRunning {
                if !DNSServer.isFree(port) {
                    return SFTPServer(process: process, port: port, folder: folder, user: user)
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            process.signal(SIGKILL)
            _ = await process.exit()
        }
        throw Failure("sshd did not start on loopback")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
