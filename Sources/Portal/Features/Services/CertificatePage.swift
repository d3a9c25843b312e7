import Integrations

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
