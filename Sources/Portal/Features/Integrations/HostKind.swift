import Foundation
import Integrations
import Tenancy

/// What a URL's host is, by its literal form: loopback, another non-public address, or public.
enum HostKind: Equatable {
    case loopback, privateAddress, publicAddress, publicName

    init(_ rawHost: String) {
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        if host == "localhost" || host.hasSuffix(".localhost") {
            self = .loopback
        } else if let octets = Self.ipv4(host) {
            self = Self.classify(octets)
        } else if host.contains(":") {
            self = Self.classifyIPv6(host)
        } else if host.hasSuffix(".local") || host.hasSuffix(".internal") || !host.contains(".") {
            self = .privateAddress
        } else {
            self = .publicName
        }
    }

    /// Dotted-quad only; anything else (decimal, octal forms) is not an address we accept as one.
    static func ipv4(_ host: String) -> [Int]? {
        let numeric = host.allSatisfy { $0.isNumber || $0 == "." }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return numeric ? [0, 0, 0, 0] : nil }
        let octets = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isNumber), let value = Int(part), value <= 255
            else { return nil }
            return value
        }
        return octets.count == 4 ? octets : (numeric ? [0, 0, 0, 0] : nil)
    }

    static func classify(_ octets: [Int]) -> HostKind {
        switch (octets[0], octets[1]) {
        case (127, _): .loopback
        case (0, _), (10, _), (169, 254), (192, 168), (100, 64...127), (224...255, _): .privateAddress
        case (172, 16...31): .privateAddress
        default: .publicAddress
        }
    }

    static func classifyIPv6(_ host: String) -> HostKind {
        let lower = host.lowercased()
        if lower == "::1" { return .loopback }
        if lower.hasPrefix("::ffff:"), let octets = ipv4(String(lower.dropFirst(7))) { return classify(octets) }
        if lower == "::" || lower.hasPrefix("fe8") || lower.hasPrefix("fe9") || lower.hasPrefix("fea")
            || lower.hasPrefix("feb")
            || lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("::")
        {
            return .privateAddress
        }
        return .publicAddress
    }
}
