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

        /// Where this area's sign-in page is.
        var loginPath: String { self == .staff ? "/admin/login" : "/login" }
        /// Where this area's two-factor enrolment is.
        var enrolmentPath: String {
            switch self {
            case .customer: "/account/security/two-factor"
            case .staff: "/admin/security/two-factor"
            case .platform: "/security/two-factor"
            }
        }
    }
}

/// What every signed-in page knows, whichever kind of account is signed in.
package protocol SignedInContext: RequestContext {
    var origin: RequestOrigin { get }
    var account: Account { get }
    var session: AccountSession { get }
    var csrfToken: String { get }
    /// The page chrome: the brand's, or the platform console's; with the sign-in-as banner when there is one.
    var chrome: StorefrontChrome { get }
}

/// The signed-in identity a context needs, or the error that sends the visitor where they must go.
func requireIdentity(
    _ identity: SignedIn?, kind: Account.Kind, area: AccessError.Area, allowMissingSecondFactor: Bool = false
) throws -> SignedIn {
    guard let identity, identity.isComplete, identity.account.kind == kind else {
        throw AccessError.signInRequired(area: area)
    }
    if identity.twoFactorRequired && !identity.account.hasSecondFactor && !allowMissingSecondFactor {
        throw AccessError.secondFactorSetupRequired(area: area)
    }
    return identity
}

/// Customer pages: the context cannot be built unless a customer of this tenant is fully signed in.
package struct CustomerRequestContext: ChildRequestContext, SignedInContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package let origin: RequestOrigin
    package let account: Account
    package let session: AccountSession
    package let csrfToken: String
    package let chrome: StorefrontChrome
    /// The request's id, shown as the reference on friendly error pages and logged with the cause.
    package let requestID: String

    package init(context: TenantRequestContext) throws {
        let identity = try requireIdentity(context.identity, kind: .customer, area: .customer)
        coreContext = context.coreContext
        tenant = context.tenant
        origin = context.origin
        account = identity.account
        session = identity.session
        csrfToken = context.csrfToken
        chrome = context.chrome
        requestID = context.requestID
    }
}

/// Staff pages: the context cannot be built unless a staff member of this tenant is fully signed in,
/// with two-factor when the tenant requires it.
package struct StaffRequestContext: ChildRequestContext, SignedInContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package let origin: RequestOrigin
    package let account: Account
    package let role: Account.Role
    package let session: AccountSession
    package let csrfToken: String
    package let chrome: StorefrontChrome

    package var staff: Account { account }

    package init(context: TenantRequestContext) throws {
        let identity = try requireIdentity(context.identity, kind: .staff, area: .staff)
        guard let role = identity.account.role else { throw AccessError.signInRequired(area: .staff) }
        coreContext = context.coreContext
        tenant = context.tenant
        origin = context.origin
        account = identity.account
        self.role = role
        session = identity.session
        csrfToken = context.csrfToken
        chrome = context.chrome
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
    package let origin: RequestOrigin
    package let account: Account
    package let session: AccountSession
    package let csrfToken: String
    package let chrome: StorefrontChrome
    package let twoFactorRequired: Bool

    package init(context: TenantRequestContext) throws {
        let identity = try requireIdentity(
            context.identity, kind: .staff, area: .staff, allowMissingSecondFactor: true
        )
        coreContext = context.coreContext
        tenant = context.tenant
        origin = context.origin
        account = identity.account
        session = identity.session
        csrfToken = context.csrfToken
        chrome = context.chrome
        twoFactorRequired = identity.twoFactorRequired
    }
}

/// Platform console pages: a platform user signed in with password and second factor.
package struct PlatformUserContext: ChildRequestContext, SignedInContext {
    package var coreContext: CoreRequestContextStorage
    package let origin: RequestOrigin
    package let account: Account
    package let session: AccountSession
    package let csrfToken: String
    package let chrome: StorefrontChrome

    package init(context: PlatformRequestContext) throws {
        let identity = try requireIdentity(context.identity, kind: .platform, area: .platform)
        coreContext = context.coreContext
        origin = context.origin
        account = identity.account
        session = identity.session
        csrfToken = context.csrfToken
        chrome = context.chrome
    }
}

/// Platform two-factor enrolment: signed in with a password; the second factor may not exist yet.
package struct PlatformEnrollmentContext: ChildRequestContext, SignedInContext {
    package var coreContext: CoreRequestContextStorage
    package let origin: RequestOrigin
    package let account: Account
    package let session: AccountSession
    package let csrfToken: String
    package let chrome: StorefrontChrome

    package init(context: PlatformRequestContext) throws {
        let identity = try requireIdentity(
            context.identity, kind: .platform, area: .platform, allowMissingSecondFactor: true
        )
        coreContext = context.coreContext
        origin = context.origin
        account = identity.account
        session = identity.session
        csrfToken = context.csrfToken
        chrome = context.chrome
    }
}
