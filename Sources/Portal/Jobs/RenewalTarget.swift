import Branding
import Foundation
import Integrations
import Tenancy

/// What a renewal order renews, as `Order.renewalOf` names it.
package enum RenewalTarget: Equatable, Sendable {
    case domain(RegisteredDomain.ID)
    case certificate(SSLCertificate.ID)

    package init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let id = Int64(parts[1]) else { return nil }
        switch parts[0] {
        case "domain": self = .domain(RegisteredDomain.ID(id))
        case "certificate": self = .certificate(SSLCertificate.ID(id))
        default: return nil
        }
    }

    package var text: String {
        switch self {
        case .domain(let id): "domain:\(id.rawValue)"
        case .certificate(let id): "certificate:\(id.rawValue)"
        }
    }
}
