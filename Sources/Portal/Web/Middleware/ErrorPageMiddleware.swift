import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Tenancy

/// Turns every error into a page a person can read: branded on a tenant host, neutral elsewhere,
/// and `{"error":{"code","message"}}` for API clients. Internal details are logged, never shown.
package struct ErrorPageMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let pages: PageRenderer
    let assets: StaticAssets
    let logger: Logger

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // `/fr/…` on a brand that does not offer French: no such page.
        if context.unknownLanguagePrefix {
            return await response(for: PortalError.notFound, request: request, context: context)
        }
        do {
            return try await next(request, context)
        } catch {
            return await response(for: error, request: request, context: context)
        }
    }

    private func response(for error: any Error, request: Request, context: Context) async -> Response {
        if case AccessError.signInRequired(let area) = error, !wantsJSON(request) {
            let login = area.paths.login.link()
            let next =
                request.method == .get
                ? "?next="
                    + (request.uri.path.addingPercentEncoding(
                        withAllowedCharacters: .urlPathAllowed) ?? "/") : ""
            return Response(status: .seeOther, headers: [.location: login + next, .cacheControl: "no-store"])
        }
        if case AccessError.secondFactorSetupRequired(let area) = error, !wantsJSON(request) {
            return Response(
                status: .seeOther, headers: [.location: area.paths.twoFactor.link(), .cacheControl: "no-store"])
        }
        let (status, code, message) = describe(error)
        if status.code >= 500 && !(error is PortalError && status == .serviceUnavailable) {
            logger.error(
                "request failed",
                metadata: ["request_id": .string(context.requestID), "error": .string(String(reflecting: error))]
            )
        }
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if status == .serviceUnavailable { headers[.retryAfter] = "300" }
        if let busy = error as? HashQueue.Busy { headers[.retryAfter] = String(busy.retryAfter) }
        if case PortalError.heldElsewhere(let node?) = error { headers[.portalNode] = node }
        if Self.isMoving(error) { headers[.retryAfter] = "1" }
        if status == .methodNotAllowed, let allow = (error as? HTTPError)?.headers[.allow] {
            headers[.allow] = allow
        }
        if wantsJSON(request) {
            headers[.contentType] = "application/json; charset=utf-8"
            let body = #"{"error":{"code":"\#(code)","message":"\#(JSONText.escaped(message))"}}"#
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        headers[.contentType] = "text/html; charset=utf-8"
        let html = await renderPage(status: status, message: message, context: context)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private func renderPage(status: HTTPResponse.Status, message: String, context: Context) async -> String {
        // The brand's chrome on its own hosts; the neutral page everywhere else, the platform console included.
        let chrome = context.origin.tenant == nil ? nil : context.chrome
        let page = ErrorPage(
            chrome: chrome,
            stylesheetURL: assets.url(for: "base.css"),
            status: status.code,
            title: Self.wording(for: status).title,
            message: message,
            requestID: context.requestID
        )
        let template = chrome == nil ? "errors/neutral" : "storefront/error"
        return (try? pages.render(page, template: template))
            ?? "<!doctype html><title>Error</title><p>\(status.code)</p>"
    }

    private func describe(_ error: any Error) -> (HTTPResponse.Status, String, String) {
        switch error {
        case let error as PortalError:
            return (error.status, error.code, Self.message(for: error))
        case TenancyError.moving:
            return describe(PortalError.tenantMoving)
        case TenancyError.notHeld(_, let node):
            return describe(PortalError.heldElsewhere(node: node))
        case AccessError.signInRequired:
            return (.unauthorized, "sign_in_required", tr("errors.sign_in_required"))
        case AccessError.secondFactorSetupRequired:
            return (.forbidden, "second_factor_required", "Set up two-factor authentication to use the staff area.")
        case let busy as HashQueue.Busy:
            return (
                .tooManyRequests, "busy",
                tr("errors.busy", ["wait": trCount("signin.wait.seconds", busy.retryAfter)])
            )
        case AccessError.forbidden:
            return (.forbidden, "forbidden", "Your role does not give you access to this page.")
        case is CSRFError:
            return (.forbidden, "csrf_failed", tr("errors.csrf_failed"))
        case let error as any HTTPResponseError:
            let wording = Self.wording(for: error.status)
            return (error.status, wording.code, wording.message)
        default:
            let wording = Self.wording(for: .internalServerError)
            return (.internalServerError, wording.code, wording.message)
        }
    }

    private func wantsJSON(_ request: Request) -> Bool {
        if request.uri.path.hasPrefix(ProductAPIPaths.prefix) { return true }
        guard let accept = request.headers[.accept] else { return false }
        return accept.contains("application/json") && !accept.contains("text/html")
    }

    /// Title, machine code and message of a status, for errors that carry no words of their own; the title and
    /// message in the reader's language, the code always the same.
    static func wording(for status: HTTPResponse.Status) -> (title: String, code: String, message: String) {
        switch status.code {
        case 400: (tr("errors.bad_request.title"), "bad_request", tr("errors.bad_request.message"))
        case 404: (tr("errors.not_found.title"), "not_found", tr("errors.not_found.message"))
        case 405:
            (tr("errors.method_not_allowed.title"), "method_not_allowed", tr("errors.method_not_allowed.message"))
        case 403: (tr("errors.forbidden.title"), "forbidden", tr("errors.forbidden.message"))
        case 413: (tr("errors.too_large.title"), "too_large", tr("errors.too_large.message"))
        case 429: (tr("errors.too_many_requests.title"), "too_many_requests", tr("errors.too_many_requests.message"))
        case 503: (tr("errors.unavailable.title"), "temporarily_unavailable", tr("errors.unavailable.message"))
        case 500...: (tr("errors.internal.title"), "internal_error", tr("errors.internal.message"))
        default: (tr("errors.refused.title"), "request_refused", tr("errors.bad_request.message"))
        }
    }

    /// What a person is told about `error`, in the reader's language where it is theirs to read; messages about the
    /// server's own set-up stay as they are.
    static func message(for error: PortalError) -> String {
        switch error {
        case .unknownHost, .notFound: tr("errors.not_found.message")
        case .notWhileImpersonating: tr("errors.not_while_impersonating")
        case .tenantSuspended, .brandUnavailable: tr("errors.site_unavailable")
        case .tenantMaintenance: tr("errors.maintenance")
        case .heldElsewhere, .tenantMoving: error.description
        case .badHost, .missingAssets, .missingTemplate, .invalidEmailDefaults: error.description
        }
    }

    /// A request that met a tenant being moved (at the gate, or inside when the freeze came first) is told to come
    /// back in a second: the move is that short.
    static func isMoving(_ error: any Error) -> Bool {
        if case PortalError.tenantMoving = error { return true }
        if case TenancyError.moving = error { return true }
        return false
    }

}
