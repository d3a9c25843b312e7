import Foundation
import Integrations
import Tenancy

/// `/account/certificates`.
package struct CertificatesPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let domain: String
        /// The status in English (`SSLCertificate.Status.label`): the badge's `data-status`, which picks its colour.
        package let status: String
        /// The status in the reader's language, as the badge shows it.
        package let statusLabel: String
        package let expires: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}

extension CertificatesPage {
    init(_ certificates: [SSLCertificate], zone: TimeZone, context: CustomerRequestContext) {
        let rows = certificates.map {
            Row(
                id: $0.id!.rawValue, domain: $0.domain, status: $0.status.label, statusLabel: $0.status.displayLabel,
                expires: $0.expiresAt.map { ReminderScheduler.long($0, zone) } ?? "—")
        }
        self.init(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty)
    }
}
