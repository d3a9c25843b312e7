import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Logging
import Tenancy

/// Puts the customer area's menu on the page (marked for the path) and turns every upstream failure in the area into
/// one calm, branded page: no vendor words, nothing changed, a reference staff can find in the log, and a way back.
/// Handlers let `UpstreamError` through; this is the only place that decides what a customer is told about it.
struct CustomerTroubleMiddleware: RouterMiddleware {
    typealias Context = CustomerRequestContext

    let pages: PageRenderer
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.signedIn.chrome.frame = .account(path: request.uri.path)
        context.signedIn.chrome.csrf = context.csrfToken
        do {
            return try await next(request, context)
        } catch let error where Self.isUpstream(error) {
            logger.warning(
                "customer action failed upstream",
                metadata: [
                    "request_id": "\(context.requestID)", "tenant": "\(context.tenant.slug)",
                    "account": "\(context.account.id.rawValue)", "method": "\(request.method)",
                    "path": "\(request.uri.path)", "reason": "\(TenantUpstreams.describe(error))",
                ]
            )
            let reading = request.method == .get || request.method == .head
            let page = UpstreamTroublePage(
                chrome: context.chrome,
                title: reading ? tr("errors.trouble.title_reading") : tr("errors.trouble.title_changing"),
                message: reading ? tr("errors.trouble.message_reading") : tr("errors.trouble.message_changing"),
                reference: context.requestID, backURL: Self.back(request, host: context.origin.host)
            )
            return Response(
                status: .serviceUnavailable,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .retryAfter: "60"],
                body: .init(byteBuffer: ByteBuffer(string: try pages.render(page, template: "account/trouble")))
            )
        }
    }

    /// Failures of the brand's upstreams or of their settings (including sealed credentials that no longer open, after
    /// a key change or an import); anything else is a fault of ours (500).
    static func isUpstream(_ error: any Error) -> Bool {
        error is UpstreamError || error is UpstreamSettingsError || error is UpstreamMappingError
            || error is SecretBox.SecretError
    }

    /// Back to the page the customer came from when it is on this host, else the customer area's home.
    static func back(_ request: Request, host: String?) -> String {
        if let referer = request.headers[.referer], let url = URLComponents(string: referer), url.host == host,
            url.percentEncodedPath.hasPrefix(AccountPaths.home.pattern), !url.percentEncodedPath.hasPrefix("//")
        {
            return url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        }
        return AccountPaths.home.link()
    }
}
