import Foundation
import Tenancy

#if canImport(Glibc)
    import Glibc
#endif

/// A small DNS stub client over UDP (RFC 1035): asks one configured resolver for TXT, CNAME, A and AAAA records.
///
/// Domain verification needs only these answers, from a resolver the operator chooses (and tests run their own,
/// dnsmasq on loopback), so the system resolver's caching and search domains stay out of it.
package struct DNSLookup: Sendable {
    package enum RecordType: UInt16, Sendable {
        case a = 1
        case cname = 5
        case txt = 16
        case aaaa = 28
    }

    package enum LookupError: Error, Equatable, CustomStringConvertible {
        case badResolver(String)
        case timeout(String)
        case malformed
        case failure(rcode: Int)
        case truncated

        package var description: String {
            switch self {
            case .badResolver(let text): "the DNS resolver \"\(text)\" is not an IPv4 address with an optional port"
            case .timeout(let resolver): "the DNS resolver \(resolver) did not answer"
            case .malformed: "the DNS resolver's answer could not be read"
            case .failure(let rcode): "the DNS resolver answered with error code \(rcode)"
            case .truncated: "the DNS answer was too long for one UDP message; check the records at your DNS provider"
            }
        }
    }

    let host: String
    let port: UInt16
    let timeout: Duration

    /// The resolver on this machine's loopback, port 53.
    package static let loopback = DNSLookup(host: "127.0.0.1", port: 53, timeout: .seconds(2))

    private init(host: String, port: UInt16, timeout: Duration) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// `address` is `a.b.c.d` or `a.b.c.d:port`.
    package init(resolver address: String, timeout: Duration = .seconds(2)) throws(LookupError) {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), inet_addr(String(parts[0])) != INADDR_NONE else {
            throw .badResolver(address)
        }
        host = String(parts[0])
        if parts.count == 2 {
            guard let port = UInt16(parts[1]), port > 0 else { throw .badResolver(address) }
            self.port = port
        } else {
            port = 53
        }
        self.timeout = timeout
    }

    /// The first `nameserver` of /etc/resolv.conf, or 127.0.0.1.
    package static func systemResolver() -> String {
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver", inet_addr(String(fields[1])) != INADDR_NONE {
                return String(fields[1])
            }
        }
        return "127.0.0.1"
    }

    /// The records of `type` at `name` (TXT strings joined, CNAME targets without the final dot, addresses as text);
    /// empty when the name has none or does not exist.
    package func records(_ type: RecordType, at name: String) async throws -> [String] {
        let query = try Self.query(name: name, type: type, id: UInt16.random(in: 0...UInt16.max))
        let resolver = self
        let response = try await BlockingIO.run { try resolver.exchange(query) }
        return try Self.answers(in: response, id: query.id, type: type)
    }

    // MARK: Wire format

    struct Query {
        let id: UInt16
        let bytes: [UInt8]
    }

    static func query(name: String, type: RecordType, id: UInt16) throws -> Query {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8)
            guard (1...63).contains(utf8.count) else { throw LookupError.malformed }
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        bytes.append(0)
        bytes.append(contentsOf: [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1])
        return Query(id: id, bytes: bytes)
    }

    static func answers(in message: [UInt8], id: UInt16, type: RecordType) throws -> [String] {
        var reader = Reader(message: message)
        guard try reader.u16() == id else { throw LookupError.malformed }
        let flags = try reader.u16()
        guard flags & 0x8000 != 0 else { throw LookupError.malformed }
        // A truncated answer may lack the very record asked for: never read it as "not there".
        guard flags & 0x0200 == 0 else { throw LookupError.truncated }
        let rcode = Int(flags & 0x000F)
        if rcode == 3 { return [] }  // NXDOMAIN: no such name
        guard rcode == 0 else { throw LookupError.failure(rcode: rcode) }
        let questions = try reader.u16(), answerCount = try reader.u16()
        _ = try reader.u16()
        _ = try reader.u16()
        for _ in 0..<questions {
            _ = try reader.name()
            try reader.skip(4)
        }
        var results: [String] = []
        for _ in 0..<answerCount {
            _ = try reader.name()
            let recordType = try reader.u16()
            _ = try reader.u16()
            try reader.skip(4)
            let length = Int(try reader.u16())
            let end = reader.offset + length
            guard end <= message.count else { throw LookupError.malformed }
            if recordType == type.rawValue {
                switch type {
                case .txt:
                    var text = [UInt8]()
                    while reader.offset < end {
                        let count = Int(try reader.u8())
                        guard reader.offset + count <= end else { throw LookupError.malformed }
                        text.append(contentsOf: try reader.bytes(count))
                    }
                    results.append(String(decoding: text, as: UTF8.self))
                case .cname:
                    results.append(try reader.name())
                case .a:
                    results.append(try reader.bytes(4).map(String.init).joined(separator: "."))
                case .aaaa:
                    let raw = try reader.bytes(16)
                    results.append(
                        stride(from: 0, to: 16, by: 2).map {
                            String(UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]), radix: 16)
                        }.joined(separator: ":"))
                }
            }
            reader.offset = end
        }
        return results
    }

    struct Reader {
        let message: [UInt8]
        var offset = 0

        mutating func u8() throws -> UInt8 {
            guard offset < message.count else { throw LookupError.malformed }
            defer { offset += 1 }
            return message[offset]
        }

        mutating func u16() throws -> UInt16 {
            UInt16(try u8()) << 8 | UInt16(try u8())
        }

        mutating func skip(_ count: Int) throws {
            guard offset + count <= message.count else { throw LookupError.malformed }
            offset += count
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard offset + count <= message.count else { throw LookupError.malformed }
            defer { offset += count }
            return Array(message[offset..<(offset + count)])
        }

        /// A name, following compression pointers (bounded, so a loop in a hostile answer ends).
        mutating func name() throws -> String {
            var labels: [String] = []
            var position = offset
            var jumped = false
            for _ in 0..<128 {
                guard position < message.count else { throw LookupError.malformed }
                let length = Int(message[position])
                if length == 0 {
                    if !jumped { offset = position + 1 }
                    return labels.joined(separator: ".")
                }
                if length & 0xC0 == 0xC0 {
                    guard position + 1 < message.count else { throw LookupError.malformed }
                    if !jumped { offset = position + 2 }
                    jumped = true
                    position = (length & 0x3F) << 8 | Int(message[position + 1])
                    continue
                }
                guard position + 1 + length <= message.count else { throw LookupError.malformed }
                labels.append(String(decoding: message[(position + 1)...(position + length)], as: UTF8.self))
                position += 1 + length
            }
            throw LookupError.malformed
        }
    }

    /// Sends the query and waits for the answer with the same id, twice before giving up.
    private func exchange(_ query: Query) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw LookupError.timeout("\(host):\(port)") }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var interval = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw LookupError.timeout("\(host):\(port)") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<2 {
            guard send(fd, query.bytes, query.bytes.count, 0) == query.bytes.count else { continue }
            while true {
                let received = recv(fd, &buffer, buffer.count, 0)
                if received < 12 { break }
                // Answers to an earlier, timed-out try (another id) are skipped.
                if UInt16(buffer[0]) << 8 | UInt16(buffer[1]) == query.id { return Array(buffer[0..<received]) }
            }
        }
        throw LookupError.timeout("\(host):\(port)")
    }
}
