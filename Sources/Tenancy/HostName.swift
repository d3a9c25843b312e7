/// Normalisation and validation of the hostnames that select a tenant.
package enum HostName {
    /// Why a `Host` value was refused.
    package enum Problem: Error, Equatable, CustomStringConvertible {
        case missing
        case duplicate
        case empty
        case tooLong
        case nonASCII
        case badLabel
        case badPort

        package var description: String {
            switch self {
            case .missing: "the request has no Host header"
            case .duplicate: "the request has more than one Host header"
            case .empty: "the Host header is empty"
            case .tooLong: "the host name is longer than 253 characters"
            case .nonASCII: "the host name contains characters outside ASCII"
            case .badLabel: "the host name has an empty or malformed label"
            case .badPort: "the Host header has a malformed port"
            }
        }
    }

    /// Lower-cases, strips the port and one trailing dot, then checks every label.
    ///
    /// IPv6 literals (`[::1]:8080`) are accepted as they are; they never name a tenant.
    package static func normalize(_ raw: String) throws(Problem) -> String {
        var bytes = Array(raw.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.allSatisfy({ $0 < 0x80 }) else { throw .nonASCII }
        if bytes[0] == UInt8(ascii: "[") {
            return try normalizeIPv6Literal(bytes)
        }
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            try checkPort(bytes[(colon + 1)...])
            bytes.removeSubrange(colon...)
        }
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= 253 else { throw .tooLong }
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A {
            bytes[index] += 0x20
        }
        var labelLength = 0
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0, previous != UInt8(ascii: "-") else { throw .badLabel }
                labelLength = 0
            } else {
                let isAlnum = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                guard isAlnum || byte == UInt8(ascii: "-") else { throw .badLabel }
                guard byte != UInt8(ascii: "-") || labelLength > 0 else { throw .badLabel }
                labelLength += 1
                guard labelLength <= 63 else { throw .badLabel }
            }
            previous = byte
        }
        guard labelLength > 0, previous != UInt8(ascii: "-") else { throw .badLabel }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Validates a domain that a person types for a tenant: a normal host name with at least two labels.
    /// An internationalised name (`bücher.example`) is accepted and returned in its ASCII form.
    package static func validateDomain(_ raw: String) throws(TenancyError) -> String {
        let host: String
        var ascii = raw
        if !raw.utf8.allSatisfy({ $0 < 0x80 }), !raw.contains(":") {
            do {
                ascii = try IDNA.toASCII(raw)
            } catch {
                throw .invalidHostname(raw, reason: "it is not a valid internationalised domain name: \(error.reason)")
            }
        }
        do {
            host = try normalize(ascii)
        } catch {
            throw .invalidHostname(raw, reason: error.description)
        }
        guard !raw.contains(":"), !host.hasPrefix("[") else {
            throw .invalidHostname(raw, reason: "give a host name without a port")
        }
        guard host.contains(".") else {
            throw .invalidHostname(raw, reason: "a domain needs at least two labels, such as portal.example.com")
        }
        return host
    }

    private static func checkPort(_ digits: ArraySlice<UInt8>) throws(Problem) {
        guard !digits.isEmpty, digits.count <= 5,
            digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let port = Int(String(decoding: digits, as: UTF8.self)), port <= 65535
        else { throw .badPort }
    }

    private static func normalizeIPv6Literal(_ bytes: [UInt8]) throws(Problem) -> String {
        guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { throw .badLabel }
        let inside = bytes[1..<close]
        let allowed = inside.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46)
                || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
        }
        guard !inside.isEmpty, allowed else { throw .badLabel }
        let rest = bytes[(close + 1)...]
        if !rest.isEmpty {
            guard rest.first == UInt8(ascii: ":") else { throw .badPort }
            try checkPort(rest.dropFirst())
        }
        return String(decoding: bytes[...close], as: UTF8.self).lowercased()
    }
}
