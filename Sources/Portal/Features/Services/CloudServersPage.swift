import Integrations

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
