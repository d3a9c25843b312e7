import Foundation
import Integrations
import Tenancy

/// What an address's host is, judged when an owner saves it: loopback, another non-public address, a public
/// address, or a name. Literals are judged by their bytes, in every spelling the C library accepts; names are
/// resolved and checked again on every connection (`Egress`), since a name may point anywhere.
enum HostKind: Equatable {
    case loopback, privateAddress, publicAddress, publicName

    init(_ rawHost: String) {
        let host = Egress.normalised(rawHost)
        if Egress.isLocalhost(host) {
            self = .loopback
        } else if let address = NetworkAddress(literal: host) {
            self = address.scope == .loopback ? .loopback : (address.isPublic ? .publicAddress : .privateAddress)
        } else if host.contains(":") || host.hasSuffix(".local") || host.hasSuffix(".internal") || !host.contains(".") {
            self = .privateAddress
        } else {
            self = .publicName
        }
    }
}
