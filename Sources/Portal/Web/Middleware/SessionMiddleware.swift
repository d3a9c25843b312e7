import Branding
import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// Finds the signed-in account from the `__Host-session` cookie in the request's own realm only
/// (the resolved tenant's database, or the registry on the platform host): a cookie copied from
/// another host matches no session here. Then checks the CSRF token of any state change (`CSRFCheck`).
package struct SessionMiddleware<Context: AccountAreaContext>: RouterMiddleware {
    let realm: @Sendable (Context) -> any AccountRealm
    let services: AccountServices

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        var impersonator: Account?
        if let token = SessionCookie.value(SessionCookie.session, in: request) {
            let idle = services.timeouts.idle
            let now = services.now()
            let realm = self.realm(context)
            (context.identity, impersonator) = try await realm.withAccounts { store in
                guard
                    let (session, account) = try await store.liveSession(
                        idHash: SecureToken.hash(token), idleTimeout: idle, now: now
                    )
                else { return (nil, nil) }
                let required = try await realm.twoFactorRequired(for: account, in: store)
                let staff = try await session.impersonatorID.asyncMap { try await store.account($0) }
                // Checked on every request: a staff member removed or no longer owner or admin ends it at once.
                if session.impersonatorID != nil {
                    guard let member = staff ?? nil, member.kind == .staff, (member.role ?? .support) >= .admin else {
                        return (nil, nil)
                    }
                }
                return (SignedIn(account: account, session: session, twoFactorRequired: required), staff ?? nil)
            }
        }
        if let identity = context.identity, identity.account.kind == .customer,
            let choice = context.language, choice.source < .preference,
            identity.account.language != choice.code, choice.offered.contains(identity.account.language),
            LanguagePrefix.keepsPrefix(choice.path[...])
        {
            // The customer's saved language outranks the browser's and the brand's default; only the path beats it.
            let saved = choice.switched(to: identity.account.language, source: .preference)
            context.language = saved
            context.chrome.apply(saved, origin: context.origin)
            return try await Localizer.$current.withValue(saved.localizer) {
                try await proceed(request, context: context, impersonator: impersonator, next: next)
            }
        }
        return try await proceed(request, context: context, impersonator: impersonator, next: next)
    }

    private func proceed(
        _ request: Request, context: Context, impersonator: Account?,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
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
        var response: Response
        var request = request
        if let impersonator, let identity = context.identity {
            guard !Impersonation.isRefused(request.uri.path) else { throw PortalError.notWhileImpersonating }
            try await CSRFCheck<Context>.verify(&request, context: context)
            // Every page of such a session carries the banner that says so.
            context.chrome.impersonation = .init(
                customer: identity.account.email, staff: impersonator.email, csrf: context.csrfToken
            )
            response = try await next(request, context)
            // What the customer's own audit entries cannot say: every change in such a session was made by this staff member.
            if request.method != .get, request.method != .head {
                let (staffMember, customer, ip, status) = (
                    impersonator, identity.account.email, context.origin.clientAddress ?? "", response.status.code
                )
                try await realm(context).withAccounts { store in
                    try await store.audit(
                        "customer.acted_as", actor: staffMember, target: customer,
                        detail: "\(request.method) \(request.uri.path) → \(status)", ip: ip
                    )
                }
            }
        } else {
            try await CSRFCheck<Context>.verify(&request, context: context)
            response = try await next(request, context)
        }
        if let newAnonymousToken, request.method == .get {
            response.headers.append(
                HTTPField(name: .setCookie, value: SessionCookie.set(SessionCookie.csrf, value: newAnonymousToken))
            )
        }
        // A scan, not the subscript (which gathers every value of the name into a new string).
        if !response.headers.contains(where: { $0.name == .cacheControl }) {
            // Pages behind a session are personal: never stored by shared caches or the back button.
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
