import Hummingbird
import Tenancy

/// Errors the HTTP edge answers with; the status for each is chosen here and nowhere else.
package enum PortalError: Error, Equatable, CustomStringConvertible {
    case badHost(HostName.Problem)
    case unknownHost
    case tenantSuspended
    case tenantMaintenance
    /// Another node of the cluster holds the host's tenant (named when it has one): 421, never a stale copy.
    case heldElsewhere(node: String?)
    /// The tenant is moving to another node: 503 with `Retry-After: 1`.
    case tenantMoving
    /// The host's brand content (brand, theme, catalogue, home page) could not be built; the cause is logged.
    case brandUnavailable
    case notFound
    /// A staff member signed in as a customer asked for the customer's security settings.
    case notWhileImpersonating
    case missingAssets(String)
    case missingTemplate(String)
    case invalidEmailDefaults(String)

    package var status: HTTPResponse.Status {
        switch self {
        case .badHost: .badRequest
        case .unknownHost, .notFound: .notFound
        case .notWhileImpersonating: .forbidden
        case .tenantSuspended, .tenantMaintenance, .brandUnavailable: .serviceUnavailable
        case .heldElsewhere: .misdirectedRequest
        case .tenantMoving: .serviceUnavailable
        case .missingAssets, .missingTemplate, .invalidEmailDefaults: .internalServerError
        }
    }

    /// A stable machine-readable code for JSON error bodies.
    package var code: String {
        switch self {
        case .badHost: "bad_host"
        case .unknownHost, .notFound: "not_found"
        case .notWhileImpersonating: "not_while_signed_in_as_customer"
        case .tenantSuspended, .brandUnavailable: "temporarily_unavailable"
        case .tenantMaintenance: "maintenance"
        case .heldElsewhere: "misdirected"
        case .tenantMoving: "moving"
        case .missingAssets, .missingTemplate, .invalidEmailDefaults: "internal_error"
        }
    }

    package var description: String {
        switch self {
        case .badHost(let problem): "Bad request: \(problem)."
        case .unknownHost, .notFound: "The page you asked for does not exist."
        case .notWhileImpersonating: "Staff signed in as a customer cannot open the customer's security settings."
        case .tenantSuspended, .brandUnavailable: "This site is temporarily unavailable. Please try again later."
        case .tenantMaintenance: "This site is down for a few minutes of maintenance. Please try again shortly."
        case .heldElsewhere: "This site is served by another server of the platform. Please try again."
        case .tenantMoving: "This site is moving to another server. Please try again in a second."
        case .missingAssets(let path): "the assets folder \(path) is missing; pass --assets-dir"
        case .missingTemplate(let name): "the page template \(name) is missing from the assets folder"
        case .invalidEmailDefaults(let problem): problem
        }
    }
}
