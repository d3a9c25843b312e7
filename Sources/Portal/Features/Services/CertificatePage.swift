import Foundation
import Integrations
import Tenancy

/// `/account/certificates/{id}`.
package struct CertificatePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let notice: Notice?
    package let id: Int64
    package let domain: String
    package let status: String
    package let starts: String
    package let expires: String
    package let isWaiting: Bool
    package let proofPlaced: Bool
    package let needsFile: Bool
    package let needsCNAME: Bool
    package let fileURL: String
    package let fileContent: String
    package let cnameName: String
    package let cnameValue: String
    package let installedOn: String
    package let isInstalled: Bool
    package let canDownload: Bool
    package let canReissue: Bool
}

extension CertificatePage {
    init(_ certificate: SSLCertificate, zone: TimeZone, notice: Notice?, context: CustomerRequestContext) {
        let waiting = certificate.status == .pendingValidation
        let proofMissing = waiting && certificate.proofPlacedBy.isEmpty
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: certificate.id!.rawValue,
            domain: certificate.domain, status: certificate.status.displayLabel,
            starts: certificate.startsAt.map { ReminderScheduler.long($0, zone) } ?? "—",
            expires: certificate.expiresAt.map { ReminderScheduler.long($0, zone) } ?? "—",
            isWaiting: waiting, proofPlaced: waiting && !certificate.proofPlacedBy.isEmpty,
            needsFile: proofMissing && certificate.validation == .file && !certificate.authFileName.isEmpty,
            needsCNAME: proofMissing && certificate.validation == .dns && !certificate.cnameName.isEmpty,
            fileURL: "http://\(certificate.domain)/.well-known/pki-validation/\(certificate.authFileName)",
            fileContent: certificate.authFileContent,
            cnameName: certificate.cnameName, cnameValue: certificate.cnameValue,
            installedOn: certificate.installedOn, isInstalled: !certificate.installedOn.isEmpty,
            canDownload: !certificate.certificate.isEmpty, canReissue: certificate.status == .issued
        )
    }
}

extension SSLCertificate.Status {
    /// The status in the customer's words, in English: also the badge's `data-status`, which picks its colour.
    var label: String {
        switch self {
        case .pendingValidation: "Waiting for domain validation"
        case .issued: "Issued"
        case .renewed: "Replaced by its renewal"
        case .expired: "Expired"
        }
    }
}

extension SSLCertificate.Status {
    /// The status in the reader's language, as pages show it.
    var displayLabel: String {
        switch self {
        case .pendingValidation: tr("services.certificate-status.pending_validation")
        case .issued: tr("services.certificate-status.issued")
        case .renewed: tr("services.certificate-status.renewed")
        case .expired: tr("services.certificate-status.expired")
        }
    }
}
