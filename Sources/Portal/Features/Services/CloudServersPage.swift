import Foundation
import Integrations
import Tenancy

/// `/account/cloud`.
package struct CloudServersPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let name: String
        package let hostname: String
        /// 20i's word for the status: the badge's `data-status`, which picks its colour.
        package let status: String
        /// The status in the reader's language, as the badge shows it.
        package let statusLabel: String
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
                statusLabel: CloudServerPage.statusLabel($0.status),
                size: tr(
                    "services.cloud.size",
                    ["cpu": String($0.cpu), "ram": String($0.ramGB), "storage": String($0.storageGB)]))
        }
        self.init(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty)
    }
}
