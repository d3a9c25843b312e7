import Foundation
import Tenancy

#if canImport(Glibc)
    import Glibc
#endif

/// HAProxy's runtime API (the stats socket at `level admin`), over a Unix socket (`unix:/run/haproxy/admin.sock`)
/// or TCP (`tcp://10.0.0.5:9999`, for nodes on other machines than the proxy). One command per connection, as the
/// non-interactive mode answers one line of commands and closes.
package struct HAProxyRuntime: Sendable, Equatable {
    package enum Address: Sendable, Equatable {
        case unix(String)
        case tcp(host: String, port: UInt16)
    }

    package struct Failure: Error, CustomStringConvertible, Equatable {
        package let description: String
    }

    package let address: Address

    package init(address: Address) {
        self.address = address
    }

    /// Parses `unix:PATH`, a bare absolute path, or `tcp://HOST:PORT` (HOST an IPv4 address).
    package init(parsing raw: String) throws(Failure) {
        if raw.hasPrefix("unix:") || raw.hasPrefix("/") {
            let path = raw.hasPrefix("unix:") ? String(raw.dropFirst(5)) : raw
            guard path.hasPrefix("/"), path.utf8.count < 108 else {
                throw Failure(description: "the HAProxy socket must be an absolute path shorter than 108 bytes")
            }
            self.init(address: .unix(path))
            return
        }
        guard let url = URLComponents(string: raw), url.scheme == "tcp", let host = url.host,
            inet_addr(host) != INADDR_NONE, let port = url.port, (1...65535).contains(port)
        else {
            throw Failure(description: "the HAProxy runtime API is unix:/path/to/admin.sock or tcp://IPV4:PORT")
        }
        self.init(address: .tcp(host: host, port: UInt16(port)))
    }

    /// Sends one line of commands (`;`-separated) and returns HAProxy's answer.
    package func send(_ commands: String) async throws -> String {
        let address = self.address
        return try await BlockingIO.run { try Self.exchange(commands, with: address) }
    }

    /// The entries of a map, as HAProxy holds them now.
    package func entries(of map: String) async throws -> [String: String] {
        let answer = try await send("show map \(map)")
        if answer.contains("Unknown map identifier") {
            throw Failure(description: "HAProxy does not know the map \(map): is it in its configuration?")
        }
        var entries: [String: String] = [:]
        for line in answer.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, parts[0].hasPrefix("0x") else { continue }
            entries[String(parts[1])] = String(parts[2])
        }
        return entries
    }

    /// Makes `map` hold exactly `wanted`, with the fewest commands: `del map` for keys no longer wanted, `set map`
    /// for changed values, `add map` for new keys. Returns how many entries changed.
    @discardableResult
    package func reconcile(map: String, to wanted: [String: String]) async throws -> Int {
        let current = try await entries(of: map)
        var commands: [String] = []
        for key in current.keys.sorted() where wanted[key] == nil { commands.append("del map \(map) \(key)") }
        for (key, value) in wanted.sorted(by: { $0.key < $1.key }) {
            switch current[key] {
            case nil: commands.append("add map \(map) \(key) \(value)")
            case value?: continue
            case _?: commands.append("set map \(map) \(key) \(value)")
            }
        }
        // Batches keep each line well under HAProxy's buffer (16 KiB by default).
        var batch: [String] = []
        var length = 0
        for command in commands {
            if length + command.utf8.count > 8_000 {
                try await apply(batch)
                batch.removeAll()
                length = 0
            }
            batch.append(command)
            length += command.utf8.count + 1
        }
        if !batch.isEmpty { try await apply(batch) }
        return commands.count
    }

    private func apply(_ commands: [String]) async throws {
        let answer = try await send(commands.joined(separator: ";"))
        let problems = answer.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        if let problem = problems.first { throw Failure(description: "HAProxy refused a map change: \(problem)") }
    }

    private static func exchange(_ commands: String, with address: Address) throws -> String {
        let descriptor: Int32
        switch address {
        case .unix(let path):
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw Failure(description: "no socket: errno \(errno)") }
            var name = sockaddr_un()
            name.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &name.sun_path) { buffer in
                for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
            }
            let connected = withUnsafePointer(to: &name) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard connected == 0 else {
                close(descriptor)
                throw Failure(description: "HAProxy's socket \(path) does not answer (errno \(errno))")
            }
        case .tcp(let host, let port):
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw Failure(description: "no socket: errno \(errno)") }
            var name = sockaddr_in()
            name.sin_family = sa_family_t(AF_INET)
            name.sin_port = port.bigEndian
            name.sin_addr.s_addr = inet_addr(host)
            let connected = withUnsafePointer(to: &name) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                close(descriptor)
                throw Failure(description: "HAProxy's runtime API at \(host):\(port) does not answer (errno \(errno))")
            }
        }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let line = Array((commands + "\n").utf8)
        var sent = 0
        while sent < line.count {
            let written = line[sent...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw Failure(description: "HAProxy closed the runtime API connection") }
            sent += written
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0 { throw Failure(description: "no answer from HAProxy (errno \(errno))") }
            if count == 0 { break }
            answer.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
