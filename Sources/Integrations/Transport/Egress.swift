import Foundation
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Which addresses a connection to a host someone else chose may reach.
package enum EgressPolicy: Sendable, Equatable {
    /// The public internet only: every live brand's upstreams and relays.
    case publicOnly
    /// Loopback and private networks too: sandbox brands on a server started with `--sandbox-upstreams`, and the
    /// operator's own platform relay.
    case anyAddress
}

/// Why no connection was made to a host. `detail` (the addresses and why each was refused) belongs in the log
/// only: shown to the person who typed the host, it would map the server's private network for them.
package struct EgressRefusal: Error, Equatable, CustomStringConvertible {
    package let host: String
    package let detail: String

    package init(host: String, detail: String) {
        self.host = host
        self.detail = detail
    }

    package var description: String { "\(host): \(detail)" }
}

/// Turns a host name into addresses. The live value asks the C library (as a connect would); tests inject names.
package struct HostResolver: Sendable {
    package var resolve: @Sendable (_ name: String) async throws -> [NetworkAddress]

    package init(resolve: @escaping @Sendable (_ name: String) async throws -> [NetworkAddress]) {
        self.resolve = resolve
    }

    package struct LookupFailed: Error, CustomStringConvertible {
        package let description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// `getaddrinfo` on NIO's blocking-I/O pool, never on an event loop.
    package static let system = HostResolver { name in
        try await NIOThreadPool.singleton.runIfActive { try lookUp(name) }
    }

    private static func lookUp(_ name: String) throws -> [NetworkAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw LookupFailed(description: "name lookup failed: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [NetworkAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            let address: NetworkAddress?
            switch entry.pointee.ai_family {
            case AF_INET:
                address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    var raw = $0.pointee.sin_addr
                    return NetworkAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
                }
            case AF_INET6:
                address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    var raw = $0.pointee.sin6_addr
                    return NetworkAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
                }
            default:
                address = nil
            }
            if let address, !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }
}

/// Decides where an outbound connection goes: resolves the host once, refuses it unless every address is allowed
/// by the policy, and names the one address to connect to, so what was checked is what is reached (a second lookup
/// by the HTTP client or libcurl could answer differently: DNS rebinding).
package struct Egress: Sendable {
    let resolver: HostResolver
    private let cache: LookupCache

    /// How long a lookup is reused; short, so a vendor's address change is followed within the minute.
    static let reuse: Duration = .seconds(30)

    package init(resolver: HostResolver = .system) {
        self.resolver = resolver
        self.cache = LookupCache()
    }

    package static let system = Egress()

    /// The checked address to connect to for `host` (a name or any literal spelling).
    package func address(for rawHost: String, policy: EgressPolicy) async throws(EgressRefusal) -> NetworkAddress {
        let host = Self.normalised(rawHost)
        let addresses: [NetworkAddress]
        if let literal = NetworkAddress(literal: host) {
            addresses = [literal]
        } else if Self.isLocalhost(host) {
            // Loopback by definition (RFC 6761), whatever a resolver would say.
            addresses = [NetworkAddress(bytes: [127, 0, 0, 1])!]
        } else if let cached = cache.addresses(for: host) {
            addresses = cached
        } else {
            do {
                addresses = try await resolver.resolve(host)
            } catch {
                throw EgressRefusal(host: host, detail: "\(error)")
            }
            cache.store(addresses, for: host)
        }
        guard !addresses.isEmpty else { throw EgressRefusal(host: host, detail: "the name has no addresses") }
        if policy == .publicOnly {
            let refused = addresses.filter { !$0.isPublic }
            if !refused.isEmpty {
                throw EgressRefusal(
                    host: host,
                    detail: "not a public address: "
                        + refused.map { "\($0) (\($0.scope.rawValue))" }.joined(separator: ", "))
            }
        }
        // One address, so the check and the connection agree; IPv4 first, which every vendor we call serves.
        return addresses.first(where: \.isIPv4) ?? addresses[0]
    }

    /// `localhost` and every name under it: this machine by definition (RFC 6761), whatever a resolver says.
    package static func isLocalhost(_ host: String) -> Bool {
        host == "localhost" || host.hasSuffix(".localhost")
    }

    /// Lower case, without IPv6 brackets or a root dot.
    package static func normalised(_ raw: String) -> String {
        var host = raw.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }
}

/// Recent lookups, bounded in size and age.
private final class LookupCache: Sendable {
    private struct Entry {
        var addresses: [NetworkAddress]
        var until: ContinuousClock.Instant
    }

    private static let capacity = 4096
    private let entries = Mutex<[String: Entry]>([:])

    func addresses(for host: String) -> [NetworkAddress]? {
        entries.withLock { entries in
            guard let entry = entries[host], entry.until > .now else { return nil }
            return entry.addresses
        }
    }

    func store(_ addresses: [NetworkAddress], for host: String) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.until > now }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[host] = Entry(addresses: addresses, until: now + Egress.reuse)
        }
    }
}
