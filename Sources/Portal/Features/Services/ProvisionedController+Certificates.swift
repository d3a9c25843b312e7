import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension ProvisionedController {
    // MARK: Certificates

    @Sendable func certificates(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let list = try await databases.withDatabase(for: context.tenant) {
            try await $0.provisioned.certificates(of: context.account.id)
        }
        let zone = try await zone(context)
        let rows = list.map {
            CertificatesPage.Row(
                id: $0.id!.rawValue, domain: $0.domain, status: Self.label($0.status),
                expires: $0.expiresAt.map { ReminderScheduler.long($0, zone) } ?? "—")
        }
        return try flows.page(
            CertificatesPage(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty),
            "account/certificates")
    }

    func ownedCertificate(_ context: CustomerRequestContext) async throws -> SSLCertificate {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let certificate = try await databases.withDatabase(
                for: context.tenant, { try await $0.provisioned.certificate(.init(id), of: context.account.id) })
        else { throw PortalError.notFound }
        return certificate
    }

    @Sendable func certificate(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        var certificate = try await ownedCertificate(context)
        // A reissue waiting for its validation is looked at while the customer looks at it (the renewal pass does it hourly).
        if certificate.status == .pendingValidation {
            do {
                if try await steps.settle(certificate, account: context.account, tenant: context.tenant) {
                    certificate = try await ownedCertificate(context)
                }
            } catch {
                logger.warning(
                    "certificate not settled",
                    metadata: ["tenant": "\(context.tenant.slug)", "error": "\(TenantUpstreams.describe(error))"])
            }
        }
        let notice: Notice? =
            request.uri.queryParameters.get("done") == "reissued"
            ? .success(
                "The certificate is being reissued with a new key. The current one keeps working until the new one is installed."
            ) : nil
        return try await certificatePage(certificate, context, notice: notice)
    }

    func certificatePage(
        _ certificate: SSLCertificate, _ context: CustomerRequestContext, notice: Notice?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let waiting = certificate.status == .pendingValidation
        let zone = try await zone(context)
        let page = CertificatePage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: certificate.id!.rawValue,
            domain: certificate.domain,
            status: Self.label(certificate.status),
            starts: certificate.startsAt.map { ReminderScheduler.long($0, zone) } ?? "—",
            expires: certificate.expiresAt.map { ReminderScheduler.long($0, zone) } ?? "—",
            isWaiting: waiting, proofPlaced: waiting && !certificate.proofPlacedBy.isEmpty,
            needsFile: waiting && certificate.proofPlacedBy.isEmpty && certificate.validation == .file
                && !certificate.authFileName.isEmpty,
            needsCNAME: waiting && certificate.proofPlacedBy.isEmpty && certificate.validation == .dns
                && !certificate.cnameName.isEmpty,
            fileURL: "http://\(certificate.domain)/.well-known/pki-validation/\(certificate.authFileName)",
            fileContent: certificate.authFileContent,
            cnameName: certificate.cnameName, cnameValue: certificate.cnameValue,
            installedOn: certificate.installedOn, isInstalled: !certificate.installedOn.isEmpty,
            canDownload: !certificate.certificate.isEmpty, canReissue: certificate.status == .issued
        )
        return try flows.page(page, "account/certificate", status: status)
    }

    /// A new key and certificate for the same name, validated again; the current one stays until it is replaced.
    @Sendable func reissue(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let certificate = try await ownedCertificate(context)
        guard certificate.status == .issued else {
            return try await certificatePage(
                certificate, context, notice: .error("Only an issued certificate can be reissued."), status: .conflict)
        }
        do {
            try await steps.reissue(certificate, account: context.account, tenant: context.tenant)
        } catch {
            return try await certificatePage(
                certificate, context, notice: .error(Self.refusal(error, "The certificate could not be reissued")),
                status: .badGateway)
        }
        return flows.redirect(to: AccountPaths.certificate.link(certificate.id!.rawValue) + "?done=reissued")
    }

    /// The certificate and its CA bundle as one PEM file (the key stays here, sealed).
    @Sendable func download(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let certificate = try await ownedCertificate(context)
        guard !certificate.certificate.isEmpty else { throw PortalError.notFound }
        let name = certificate.domain.replacingOccurrences(of: "*", with: "star")
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/x-pem-file", .contentDisposition: "attachment; filename=\"\(name).pem\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: certificate.certificate + certificate.caBundle))
        )
    }
}
