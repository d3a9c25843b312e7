/// Everything that can go wrong in the tenant registry, with a message fit for a person.
package enum TenancyError: Error, Equatable, CustomStringConvertible {
    case invalidSlug(String)
    case reservedSlug(String)
    case invalidName(String)
    case invalidHostname(String, reason: String)
    case duplicateSlug(String)
    case duplicateDomain(String)
    case domainUnderBaseDomain(String, baseDomain: String)
    case unknownTenant(String)
    case folderExists(String)
    case maintenance(String)
    case storage(String)
    case invalidNodeName(String)
    case unknownNode(String)
    /// The tenant is held by another node of the cluster (named), or by none.
    case notHeld(String, node: String?)
    /// The tenant is being moved to another node: back in a moment.
    case moving(String)

    package var description: String {
        switch self {
        case .invalidSlug(let slug):
            "invalid slug \"\(slug)\": use 2 to 63 lower-case letters, digits and single hyphens, "
                + "starting and ending with a letter or digit (for example acme or acme-hosting)"
        case .reservedSlug(let slug):
            "the slug \"\(slug)\" is reserved for the platform; choose another"
        case .invalidName(let reason):
            "invalid tenant name: \(reason)"
        case .invalidHostname(let host, let reason):
            "invalid domain \"\(host)\": \(reason)"
        case .duplicateSlug(let slug):
            "a tenant with the slug \"\(slug)\" already exists"
        case .duplicateDomain(let host):
            "the domain \"\(host)\" already belongs to a tenant"
        case .domainUnderBaseDomain(let host, let base):
            "the domain \"\(host)\" is under the platform's base domain \(base); "
                + "tenants get <slug>.\(base) automatically"
        case .unknownTenant(let slug):
            "no tenant with the slug \"\(slug)\""
        case .maintenance(let slug):
            "tenant \(slug) is in maintenance (a backup is being restored); its database is not opened until it is back"
        case .folderExists(let path):
            "the folder \(path) already exists but is not in the registry; move it away first"
        case .storage(let message):
            "storage error: \(message)"
        case .invalidNodeName(let reason):
            "invalid node name: \(reason)"
        case .unknownNode(let name):
            "no node named \"\(name)\" has joined the cluster"
        case .moving(let slug):
            "tenant \(slug) is moving to another node; try again in a second"
        case .notHeld(let slug, let node):
            if let node {
                "tenant \(slug) is held by node \(node), not this one"
            } else {
                "tenant \(slug) is not assigned to any node"
            }
        }
    }
}
