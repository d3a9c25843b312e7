import Foundation
import Hummingbird
import Logging
import Tenancy

/// The customer's SSL certificates: validation progress, download and reissue (carried out by `OrderSteps`).
/// Another customer's id is a 404.
package struct CertificatesController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    /// Reissues certificates and installs them once issued.
    let steps: OrderSteps
    let logger: Logger

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.certificates.route, use: certificates)
        group.get(AccountPaths.certificate.route, use: certificate)
        group.get(AccountPaths.certificateDownload.route, use: download)
        group.post(AccountPaths.certificateReissue.route, use: reissue)
    }

    @Sendable func certificates(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let list = try await databases.withDatabase(for: context.tenant) {
            try await $0.provisioned.certificates(of: context.account.id)
        }
        let zone = try await databases.timeZone(of: context.tenant)
        return try flows.page(CertificatesPage(list, zone: zone, context: context), "account/certificates")
    }

    @Sendable func certificate(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        var certificate = try await owned(context)
        // A reissue waiting for its validation is looked at while the customer looks at it (the renewal pass does it hourly).
        if certificate.status == .pendingValidation {
            do {
                if try await steps.settle(certificate, account: context.account, tenant: context.tenant) {
                    certificate = try await owned(context)
                }
            } catch {
                logger.warning(
                    "certificate not settled",
                    metadata: ["tenant": "\(context.tenant.slug)", "error": "\(TenantUpstreams.describe(error))"])
            }
        }
        let notice: Notice? =
            request.uri.queryParameters.get("done") == "reissued"
            ? .success(tr("services.certificate.reissuing")) : nil
        return try await page(certificate, context, notice: notice)
    }

    /// A new key and certificate for the same name, validated again; the current one stays until it is replaced.
    @Sendable func reissue(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let certificate = try await owned(context)
        guard certificate.status == .issued else {
            return try await page(
                certificate, context, notice: .error(tr("services.certificate.only_issued")), status: .conflict)
        }
        do {
            try await steps.reissue(certificate, account: context.account, tenant: context.tenant)
        } catch {
            return try await page(
                certificate, context,
                notice: .error(TenantUpstreams.refusal(error, tr("services.certificate.reissue_failed"))),
                status: .badGateway)
        }
        return flows.redirect(to: AccountPaths.certificate.link(certificate.id!.rawValue) + "?done=reissued")
    }

    /// The certificate and its CA bundle as one PEM file (the key stays here, sealed).
    @Sendable func download(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let certificate = try await owned(context)
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

    func owned(_ context: CustomerRequestContext) async throws -> SSLCertificate {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let certificate = try await databases.withDatabase(
                for: context.tenant, { try await $0.provisioned.certificate(.init(id), of: context.account.id) })
        else { throw PortalError.notFound }
        return certificate
    }

    func page(
        _ certificate: SSLCertificate, _ context: CustomerRequestContext, notice: Notice?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let zone = try await databases.timeZone(of: context.tenant)
        return try flows.page(
            CertificatePage(certificate, zone: zone, notice: notice, context: context), "account/certificate",
            status: status)
    }
}
