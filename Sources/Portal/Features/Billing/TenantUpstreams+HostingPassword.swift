import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension TenantUpstreams {
    /// A hosting account's password, opened from its sealed form (bound to this tenant).
    func hostingPassword(_ sealed: Data, in tenant: Tenant) throws -> String {
        try open(sealed, tenant, "hosting.password")
    }
}
