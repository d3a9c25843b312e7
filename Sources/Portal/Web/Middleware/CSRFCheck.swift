import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// Refuses any state change that is not from this origin and does not carry the visitor's CSRF token
/// (form field `_csrf` or header `X-CSRF-Token`). `SessionMiddleware` runs it right after setting the token: as a
/// middleware of its own it was one more async frame and context copy on every signed-in request.
package enum CSRFCheck<Context: AccountAreaContext> {
    /// Throws `CSRFError` for a refused state change; a form body read for its token is left in `request` for the
    /// handler.
    static func verify(_ request: inout Request, context: Context) async throws {
        guard ![.get, .head, .options].contains(request.method) else { return }
        guard Self.isSameOrigin(request, context: context) else { throw CSRFError.crossOrigin }
        var presented = request.headers[HTTPField.Name("X-CSRF-Token")!]
        if presented == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            presented = try await FormData.parse(&request)["_csrf"]
        } else if presented == nil, MultipartForm.boundary(of: request.headers[.contentType]) != nil {
            // Uploads exist on one staff path only; nobody else gets a large body read on their behalf.
            guard MultipartForm.uploadPaths.contains(request.uri.path), let identity = context.identity,
                identity.account.kind == .staff, identity.isComplete
            else { throw CSRFError.badToken }
            do {
                presented = try await MultipartForm.parse(&request, limit: MultipartForm.uploadLimit)["_csrf"]
            } catch is MultipartForm.ParseError {
                throw CSRFError.badToken
            }
        }
        guard let presented, !context.csrfToken.isEmpty,
            SecureToken.constantTimeEquals(presented, context.csrfToken)
        else { throw CSRFError.badToken }
    }

    /// `Sec-Fetch-Site` when the browser sends it, else `Origin` against the host the request was made to.
    static func isSameOrigin(_ request: Request, context: Context) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] {
            return site == "same-origin"
        }
        guard let origin = request.headers[HTTPField.Name("Origin")!] else { return true }
        guard let host = context.origin.host, let url = URL(string: origin), let originHost = url.host?.lowercased()
        else { return false }
        return originHost == host
    }
}

/// A state change refused by `CSRFCheck`.
package enum CSRFError: Error {
    case crossOrigin
    case badToken
}
