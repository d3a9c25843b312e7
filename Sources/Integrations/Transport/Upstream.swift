/// The upstream systems a tenant talks to.
package enum Upstream: String, Sendable, CaseIterable, Codable {
    case whmcs
    case whm
    case twentyI = "20i"
    case sslStore = "sslstore"
    case stripe

    /// The name people know it by, for pages and log lines.
    package var displayName: String {
        switch self {
        case .whmcs: "WHMCS"
        case .whm: "WHM"
        case .twentyI: "20i"
        case .sslStore: "TheSSLStore"
        case .stripe: "Stripe"
        }
    }
}
