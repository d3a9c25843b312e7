/// The upstream systems a tenant talks to.
package enum Upstream: String, Sendable, CaseIterable, Codable {
    case whmcs
    case whm

    /// The name people know it by, for pages and log lines.
    package var displayName: String {
        switch self {
        case .whmcs: "WHMCS"
        case .whm: "WHM"
        }
    }
}
