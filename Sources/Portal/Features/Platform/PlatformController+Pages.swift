import Foundation
import Hummingbird
import Logging
import Tenancy

extension PlatformController {
    package enum SortKey: String, CaseIterable, Sendable {
        case slug, name, status, customers, services, failed, activity, size, created
    }

    package struct ListPage: Sendable {
        package struct Row: Sendable {
            package let slug: String
            package let name: String
            package let status: String
            package let needsAttention: Bool
            package let primaryHost: String
            package let customers: String
            package let services: String
            package let failed: String
            package let hasFailed: Bool
            package let lastActivity: String
            package let size: String
        }

        package struct Column: Sendable {
            package let key: String
            package let label: String
            package let link: String
            package let ariaSort: String
            package let numeric: Bool
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package let name: String
        package let query: String
        package let rows: [Row]
        package let columns: [Column]
        package let isEmpty: Bool
        package let hasTenants: Bool
        package let summary: String
        package let previous: String?
        package let next: String?
        package let measuredNote: String
    }
}
