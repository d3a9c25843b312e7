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

    package struct TenantPage: Sendable {
        package struct Domain: Sendable {
            package let hostname: String
            package let kind: String
            package let status: String
            package let isPrimary: Bool
        }

        package struct Export: Sendable {
            package let name: String
            package let link: String
            package let size: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let slug: String
        package let name: String
        package let status: String
        package let isSuspended: Bool
        package let reason: String
        package let created: String
        package let domains: [Domain]
        package let customers: String
        package let services: String
        package let failed: String
        package let lastActivity: String
        package let size: String
        package let measured: String
        package let exports: [Export]
        package let hasExports: Bool
        package let backups: Int
        package let audit: [AuditPage.Row]
        package let hasAudit: Bool
        package var reasonInput = ""
        package var reasonError: String?
    }
}
