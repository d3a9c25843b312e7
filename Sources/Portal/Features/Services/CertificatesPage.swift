import Integrations

/// `/account/certificates`.
package struct CertificatesPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let domain: String
        package let status: String
        package let expires: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}
