import Integrations

/// `/account/domains`.
package struct DomainsPage: Sendable {
    package struct Row: Sendable {
        package let name: String
        package let status: String
        package let expires: String
        package let autoRenew: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}
