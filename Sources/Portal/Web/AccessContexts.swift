import Hummingbird
import Tenancy

/// Why a request may not reach a signed-in page.
package enum AccessError: Error, Equatable {
    /// Nobody (or not the right kind of account) is signed in: go to the sign-in page for `area`.
    case signInRequired(area: Area)
    /// Signed in, but the role does not allow it.
    case forbidden
    /// The account must set up two-factor before going anywhere else.
    case secondFactorSetupRequired(area: Area)

    package enum Area: Sendable, Equatable {
        case customer, staff, platform

        /// This area's sign-in pages.
        var paths: SignInPaths {
            switch self {
            case .customer: .customer
            case .staff: .staff
            case .platform: .platform
            }
        }
    }
}

/// What every signed-in page knows, whichever kind of account is signed in.
package protocol SignedInContext: RequestContext {
    var signedIn: SignedInFields { get set }
}

extension SignedInContext {
    package var origin: RequestOrigin { signedIn.origin }
    package var account: Account { signedIn.account }
    package var session: AccountSession { signedIn.session }
    package var csrfToken: String { signedIn.csrfToken }
    /// The page chrome: the brand's, or the platform console's; with the sign-in-as banner when there is one.
    package var chrome: StorefrontChrome { signedIn.chrome }
    /// The request's id, shown as the reference on friendly error pages and logged with the cause.
    package var requestID: String { signedIn.requestID }
}

/// The fields every signed-in context carries, taken from the context it is built from once the sign-in checks pass.
package struct SignedInFields: Sendable {
    package let origin: RequestOrigin
    /// The account and session, held by reference (the context is copied by every middleware below).
    private let identity: SignedIn
    package var account: Account { identity.account }
    package var session: AccountSession { identity.session }
    package let csrfToken: String
    /// The chrome of the page; the area's middleware adds the area's frame (menu, sidebar).
    package var chrome: StorefrontChrome
    package let requestID: String
    /// The realm requires a second factor of this account (staff by policy, platform users always).
    package var twoFactorRequired: Bool { identity.twoFactorRequired }

    /// Throws where the visitor must go instead: sign-in when nobody (or another kind of account) is fully signed
    /// in, two-factor enrolment when it is required and missing (unless `allowMissingSecondFactor`).
    init(
        _ context: some AccountAreaContext, kind: Account.Kind, area: AccessError.Area,
        allowMissingSecondFactor: Bool = false
    ) throws {
        guard let identity = context.identity, identity.isComplete, identity.account.kind == kind else {
            throw AccessError.signInRequired(area: area)
        }
        if identity.twoFactorRequired && !identity.account.hasSecondFactor && !allowMissingSecondFactor {
            throw AccessError.secondFactorSetupRequired(area: area)
        }
        origin = context.origin
        self.identity = identity
        csrfToken = context.csrfToken
        chrome = context.chrome
        requestID = context.requestID
    }
}

/// A signed-in context of a tenant host, whose pages may show the brand's storefront content.
package protocol TenantSignedInContext: SignedInContext {
    var storefront: StorefrontContent? { get }
}

extension TenantSignedInContext {
    /// The brand's storefront; pages that show it answer 503 when it could not be built.
    package var content: StorefrontContent {
        get throws(PortalError) {
            guard let storefront else { throw .brandUnavailable }
            return storefront
        }
    }
}

/// Customer pages: the context cannot be built unless a customer of this tenant is fully signed in.
package struct CustomerRequestContext: ChildRequestContext, TenantSignedInContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    /// The brand's storefront, read once for the request (nil when it could not be built).
    package let storefront: StorefrontContent?
    package var signedIn: SignedInFields

    package init(context: TenantRequestContext) throws {
        signedIn = try SignedInFields(context, kind: .customer, area: .customer)
        coreContext = context.coreContext
        tenant = context.tenant
        storefront = context.storefront
    }
}

/// Staff pages: the context cannot be built unless a staff member of this tenant is fully signed in,
/// with two-factor when the tenant requires it.
package struct StaffRequestContext: ChildRequestContext, TenantSignedInContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package let storefront: StorefrontContent?
    package var signedIn: SignedInFields
    package let role: Account.Role

    package var staff: Account { account }

    package init(context: TenantRequestContext) throws {
        signedIn = try SignedInFields(context, kind: .staff, area: .staff)
        guard let role = signedIn.account.role else { throw AccessError.signInRequired(area: .staff) }
        coreContext = context.coreContext
        tenant = context.tenant
        storefront = context.storefront
        self.role = role
    }

    /// Throws `forbidden` unless the signed-in role is at least `minimum`.
    package func require(_ minimum: Account.Role) throws {
        guard role >= minimum else { throw AccessError.forbidden }
    }
}

/// Two-factor enrolment for staff: signed in with a password, whether or not two-factor is set up yet,
/// so a staff member whose tenant requires it can reach the set-up page and nothing else.
package struct StaffEnrollmentRequestContext: ChildRequestContext, SignedInContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package var signedIn: SignedInFields

    package var twoFactorRequired: Bool { signedIn.twoFactorRequired }

    package init(context: TenantRequestContext) throws {
        signedIn = try SignedInFields(context, kind: .staff, area: .staff, allowMissingSecondFactor: true)
        coreContext = context.coreContext
        tenant = context.tenant
    }
}

/// Platform console pages: a platform user signed in with password and second factor.
package struct PlatformUserContext: ChildRequestContext, SignedInContext {
    package var coreContext: CoreRequestContextStorage
    package var signedIn: SignedInFields

    package init(context: PlatformRequestContext) throws {
        signedIn = try SignedInFields(context, kind: .platform, area: .platform)
        coreContext = context.coreContext
    }
}

/// Platform two-factor enrolment: signed in with a password; the second factor may not exist yet.
package struct PlatformEnrollmentContext: ChildRequestContext, SignedInContext {
    package var coreContext: CoreRequestContextStorage
    package var signedIn: SignedInFields

    package init(context: PlatformRequestContext) throws {
        signedIn = try SignedInFields(context, kind: .platform, area: .platform, allowMissingSecondFactor: true)
        coreContext = context.coreContext
    }
}
