import Integrations

/// `/account/cloud/{id}`.
package struct CloudServerPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let id: Int64
    package let name: String
    package let provider: String
    package let size: String
    package let cpu: Int
    package let ramGB: Int
    package let storageGB: Int
    package let status: String
    package let ipAddress: String
    package let hostname: String
    package let isStale: Bool
    package let created: String
}
