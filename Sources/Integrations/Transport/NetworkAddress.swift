import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address by its bytes, and where on the network it lies. Judging the bytes (never the text)
/// is what makes `0x7f.1`, `[0::1]` and `[::ffff:7f00:1]` the loopback addresses they are.
package struct NetworkAddress: Hashable, Sendable, CustomStringConvertible {
    /// Four bytes for IPv4, sixteen for IPv6, in network order.
    package let bytes: [UInt8]

    /// Where an address lies; only `.global` is the public internet.
    package enum Scope: String, Sendable {
        case global, loopback, unspecified
        case privateNetwork = "private"
        case sharedAddressSpace = "shared address space"
        case linkLocal = "link-local"
        case uniqueLocal = "unique-local"
        case mappedIPv4 = "IPv4-mapped"
        case nat64 = "NAT64"
        case multicast
        case reserved = "reserved or documentation"
    }

    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// The address a literal host names, by the rules the C library applies when it connects: IPv4 in every form
    /// `inet_aton` accepts (`127.1`, `0x7f.1`, `2130706433`, octal), IPv6 with or without brackets. Nil for a name.
    package init?(literal raw: String) {
        let host = raw.hasPrefix("[") && raw.hasSuffix("]") ? String(raw.dropFirst().dropLast()) : raw
        if host.contains(":") {
            var address = in6_addr()
            guard !host.contains("%"), inet_pton(AF_INET6, host, &address) == 1 else { return nil }
            self.bytes = withUnsafeBytes(of: &address) { Array($0) }
        } else {
            // inet_aton stops at the first space and accepts what came before; a host never has one.
            let numeric = !host.isEmpty && host.allSatisfy { $0.isHexDigit || $0 == "." || $0 == "x" || $0 == "X" }
            var address = in_addr()
            guard numeric, inet_aton(host, &address) != 0 else { return nil }
            self.bytes = withUnsafeBytes(of: &address) { Array($0) }
        }
    }

    package var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv4-mapped one (`::ffff:a.b.c.d`) stands for, as a dual-stack socket reports a peer;
    /// any other address as it is.
    package var unmapped: NetworkAddress {
        scope == .mappedIPv4 ? NetworkAddress(bytes: Array(bytes[12..<16]))! : self
    }

    /// The address as the C library writes it (`127.0.0.1`, `::1`).
    package var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return "?" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Text for a URL's host or a connect-to rule: IPv6 in brackets.
    package var hostText: String { isIPv4 ? description : "[\(description)]" }

    package var isPublic: Bool { scope == .global }

    package var scope: Scope { isIPv4 ? Self.scope(ipv4: bytes) : Self.scope(ipv6: bytes) }

    private static func scope(ipv4 b: [UInt8]) -> Scope {
        switch (b[0], b[1], b[2]) {
        case (127, _, _): .loopback
        case (0, _, _): b == [0, 0, 0, 0] ? .unspecified : .reserved
        case (10, _, _), (172, 16...31, _), (192, 168, _): .privateNetwork
        case (100, 64...127, _): .sharedAddressSpace
        case (169, 254, _): .linkLocal
        case (192, 0, 0), (192, 0, 2), (192, 88, 99), (198, 18...19, _), (198, 51, 100), (203, 0, 113): .reserved
        case (224...239, _, _): .multicast
        case (240...255, _, _): .reserved
        default: .global
        }
    }

    private static func scope(ipv6 b: [UInt8]) -> Scope {
        let firstTwelveZero = b[0..<12].allSatisfy { $0 == 0 }
        if firstTwelveZero {
            if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
            if b[12..<16].allSatisfy({ $0 == 0 }) { return .unspecified }
            return .reserved  // IPv4-compatible, deprecated
        }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return .mappedIPv4 }
        // 64:ff9b::/96 (well-known) and 64:ff9b:1::/48 (local use) translate to IPv4 behind a NAT64 gateway.
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b { return .nat64 }
        if b[0] == 0xff { return .multicast }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .linkLocal }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return .privateNetwork }  // site-local, deprecated
        if b[0] & 0xfe == 0xfc { return .uniqueLocal }
        // Global unicast is 2000::/3, less the blocks that tunnel to or stand for something else: 2001::/23 (IETF
        // protocols, Teredo), 2001:db8::/32 (documentation), 2002::/16 (6to4, which embeds any IPv4 address).
        guard b[0] & 0xe0 == 0x20 else { return .reserved }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02 { return .reserved }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .reserved }
        if b[0] == 0x20 && b[1] == 0x02 { return .reserved }
        return .global
    }
}
