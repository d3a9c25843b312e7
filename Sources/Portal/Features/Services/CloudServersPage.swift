import Foundation
import Integrations
import Tenancy

/// `/account/cloud`.
package struct CloudServersPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let name: String
        package let hostname: String
        package let status: String
        package let size: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}

extension CloudServersPage {
    init(_ servers: [CloudServer], context: CustomerRequestContext) {
        let rows = servers.map {
            Row(
                id: $0.id!.rawValue, name: $0.name, hostname: $0.hostname, status: $0.status,
                size: "\($0.cpu) vCPU · \($0.ramGB) GB RAM · \($0.storageGB) GB")
        }
        self.init(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty)
    }
}
