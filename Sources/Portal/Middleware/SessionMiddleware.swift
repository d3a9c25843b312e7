import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// Finds the signed-in account from the `__Host-session` cookie, in the resolved tenant's database only:
/// a cookie copied from another tenant's host matches no session here.
package struct SessionMiddleware: RouterMiddleware {
    package typealias Context = TenantRequestContext

    let databases: TenantDatabases
    let services: AccountServices

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let token = SessionCookie.value(SessionCookie.session, in: request) {
            let idle = services.timeouts.idle
            let now = services.now()
            let (identity, required) = try await databases.withDatabase(for: context.tenant) { database in
                let found = try await database.accounts.liveSession(idHash: SecureToken.hash(token), idleTimeout: idle, now: now)
                    .map { SignedIn(account: $0.1, session: $0.0) }
                let required = found?.account.kind == .staff
                    ? try await database.accounts.setting(StaffTwoFactorPolicy.key) != "off" : true
                return (found, required)
            }
            context.identity = identity
            context.staffTwoFactorRequired = required
        }
        var newAnonymousToken: String?
        if let identity = context.identity {
            context.csrfToken = identity.session.csrfToken
        } else if let cookie = SessionCookie.value(SessionCookie.csrf, in: request) {
            context.csrfToken = cookie
        } else {
            let token = SecureToken.generate()
            newAnonymousToken = token
            context.csrfToken = token
        }
        var response = try await next(request, context)
        if let newAnonymousToken, request.method == .get {
            response.headers.append(HTTPField(name: .setCookie, value: SessionCookie.set(SessionCookie.csrf, value: newAnonymousToken)))
        }
        if response.headers[.cacheControl] == nil {
            // Pages behind a session are personal: never stored by shared caches or the back button.
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}

/// The tenant setting that makes two-factor mandatory for staff ("on" unless set to "off").
package enum StaffTwoFactorPolicy {
    package static let key = "staff_two_factor"
}
