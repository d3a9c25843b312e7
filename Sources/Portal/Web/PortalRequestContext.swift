import Hummingbird
import Integrations
import NIOCore
import Tenancy

/// The context every request starts with: where it came from and which tenant its host names.
package struct PortalRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let remoteAddress: SocketAddress?
    /// Filled by `RequestOriginMiddleware` before anything else runs.
    package var origin = RequestOrigin()
    /// Filled by `RequestLogMiddleware`; echoed as `X-Request-Id`.
    package var requestID = ""
    /// The host's brand (its chrome, theme, catalogue), read once by `BrandMiddleware`; nil off tenant hosts and
    /// when the brand cannot be read.
    package var storefront: StorefrontContent?
    /// The page chrome of the host's brand (or of the platform console), filled once by `BrandMiddleware`.
    package var chrome: StorefrontChrome?
    /// The language the request is answered in, chosen by `LanguageMiddleware`; nil off tenant hosts.
    package var language: LanguageChoice?
    /// The shipped language the path started with (`/ar/…`), taken off before routing by `LanguagePrefixRouter`.
    package var pathLanguage: String?
    /// The path's language prefix is one the host's brand does not offer: the page answers 404.
    package var unknownLanguagePrefix = false

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// What the edge worked out about a request: its effective host, scheme and tenant.
package struct RequestOrigin: Sendable {
    /// How the host resolved.
    package enum Resolution: Sendable {
        case pending
        case badHost(HostName.Problem)
        case unknownHost(String)
        case tenant(Tenant, host: String)
        /// The configured platform host, where only the platform console answers.
        case platform(host: String)
    }

    package var resolution: Resolution = .pending
    /// True when the request reached us over TLS, directly or through a trusted proxy.
    package var isSecure = false
    /// True when the peer is a configured trusted proxy, so its forwarded headers were honoured.
    package var viaTrustedProxy = false
    /// The client's address: the peer, or the forwarded client when the peer is a trusted proxy.
    package var clientAddress: String?
    /// The configured trusted proxy networks, for `fromInside`; set once the client's address was worked out
    /// (forwarding honoured), so a request refused before that (a second `Host`) is never inside.
    var trustedProxies: [CIDR]?

    /// Whether `/internal/` routes answer: the client (after a trusted proxy's forwarding) is this machine or is
    /// itself a configured trusted proxy. A visitor forwarded by the edge is outside. Worked out when asked (by the
    /// few routes that care), not for every request.
    package var fromInside: Bool {
        guard let trustedProxies, let client = clientAddress else { return false }
        return NetworkAddress(literal: client)?.unmapped.scope == .loopback
            || trustedProxies.contains { $0.contains(client) }
    }

    package var tenant: Tenant? {
        if case .tenant(let tenant, _) = resolution { return tenant }
        return nil
    }

    /// The normalised host the request was made to, when it names a tenant or the platform.
    package var host: String? {
        switch resolution {
        case .tenant(_, let host), .platform(let host): host
        default: nil
        }
    }
}

/// The context of routes that only exist on a tenant host: it cannot be built without a tenant.
package struct TenantRequestContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package let origin: RequestOrigin
    package let requestID: String
    /// The brand's storefront (brand, theme, catalogue), read once for the request; nil on the product API and when
    /// it could not be built (see `content`).
    package let storefront: StorefrontContent?
    /// The signed-in account, found by `SessionMiddleware` in this tenant's database only.
    package var identity: SignedIn?
    /// The CSRF token forms on this request carry: the session's, or the anonymous visitor's cookie.
    package var csrfToken = ""
    /// The brand's page chrome; `SessionMiddleware` adds the sign-in-as banner.
    package var chrome: StorefrontChrome
    /// The request's language; `SessionMiddleware` applies a signed-in customer's saved choice.
    package var language: LanguageChoice?

    package init(context: PortalRequestContext) throws {
        guard let tenant = context.origin.tenant else { throw HTTPError(.notFound) }
        guard let chrome = context.chrome else { throw PortalError.brandUnavailable }
        coreContext = context.coreContext
        self.tenant = tenant
        storefront = context.storefront
        self.chrome = chrome
        origin = context.origin
        requestID = context.requestID
        language = context.language
    }
}

/// A browser signed in to an account of the request's tenant (or of the platform, on the platform host).
///
/// A class: every middleware below the session copies the request context, and a reference is one retain where the
/// account and session are a dozen.
package final class SignedIn: Sendable {
    package let account: Account
    package let session: AccountSession
    /// The realm requires a second factor of this account (staff by policy, platform users always).
    package let twoFactorRequired: Bool

    package init(account: Account, session: AccountSession, twoFactorRequired: Bool) {
        self.account = account
        self.session = session
        self.twoFactorRequired = twoFactorRequired
    }

    /// Fully signed in: the password, and the second factor when the account has one.
    package var isComplete: Bool { !session.secondFactorPending }
}

/// A request context on which sign-in areas work: it carries the origin, the session and the CSRF token.
package protocol AccountAreaContext: RequestContext {
    var origin: RequestOrigin { get }
    var requestID: String { get }
    var chrome: StorefrontChrome { get set }
    var identity: SignedIn? { get set }
    var csrfToken: String { get set }
    /// The request's language (tenant hosts); the platform console has none and is English.
    var language: LanguageChoice? { get set }
}

extension TenantRequestContext: AccountAreaContext {
    /// The brand's storefront; pages that show it answer 503 when it could not be built.
    package var content: StorefrontContent {
        get throws(PortalError) {
            guard let storefront else { throw .brandUnavailable }
            return storefront
        }
    }
}

/// Any request on the platform host.
package struct PlatformRequestContext: ChildRequestContext, AccountAreaContext {
    package var coreContext: CoreRequestContextStorage
    package let origin: RequestOrigin
    package let requestID: String
    package var identity: SignedIn?
    package var csrfToken = ""
    package var chrome: StorefrontChrome
    package var language: LanguageChoice?

    package init(context: PortalRequestContext) throws {
        guard case .platform = context.origin.resolution else { throw HTTPError(.notFound) }
        guard let chrome = context.chrome else { throw PortalError.brandUnavailable }
        coreContext = context.coreContext
        self.chrome = chrome
        origin = context.origin
        requestID = context.requestID
    }
}
