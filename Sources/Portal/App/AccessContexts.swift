import Hummingbird
import Tenancy

/// Why a request may not reach a signed-in page.
package enum AccessError: Error, Equatable {
    /// Nobody (or not the right kind of account) is signed in: go to the sign-in page for `area`.
    case signInRequired(area: Area)
    /// Signed in, but the role does not allow it.
    case forbidden
    /// A staff member must set up two-factor before using the staff area.
    case secondFactorSetupRequired

    package enum Area: Sendable, Equatable {
        case customer, staff
    }
}

/// Customer pages: the context cannot be built unless a customer of this tenant is fully signed in.
package struct CustomerRequestContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package let origin: RequestOrigin
    package let customer: Account
    package let session: AccountSession
    package let csrfToken: String

    package init(context: TenantRequestContext) throws {
        guard let identity = context.identity, identity.isComplete, identity.account.kind == .customer else {
            throw AccessError.signInRequired(area: .customer)
        }
        coreContext = context.coreContext
        tenant = context.tenant
        origin = context.origin
        customer = identity.account
        session = identity.session
        csrfToken = context.csrfToken
    }
}

/// Staff pages: the context cannot be built unless a staff member of this tenant is fully signed in.
package struct StaffRequestContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package let origin: RequestOrigin
    package let staff: Account
    package let role: Account.Role
    package let session: AccountSession
    package let csrfToken: String

    package init(context: TenantRequestContext) throws {
        guard let identity = context.identity, identity.isComplete, identity.account.kind == .staff,
            let role = identity.account.role
        else { throw AccessError.signInRequired(area: .staff) }
        if context.staffTwoFactorRequired && !identity.account.hasSecondFactor {
            throw AccessError.secondFactorSetupRequired
        }
        coreContext = context.coreContext
        tenant = context.tenant
        origin = context.origin
        staff = identity.account
        self.role = role
        session = identity.session
        csrfToken = context.csrfToken
    }

    /// Throws `forbidden` unless the signed-in role is at least `minimum`.
    package func require(_ minimum: Account.Role) throws {
        guard role >= minimum else { throw AccessError.forbidden }
    }
}

/// Two-factor enrolment for staff: signed in with a password, whether or not two-factor is set up yet,
/// so a staff member whose tenant requires it can reach the set-up page and nothing else.
package struct StaffEnrollmentRequestContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let tenant: Tenant
    package let origin: RequestOrigin
    package let staff: Account
    package let session: AccountSession
    package let csrfToken: String
    package let twoFactorRequired: Bool

    package init(context: TenantRequestContext) throws {
        guard let identity = context.identity, identity.isComplete, identity.account.kind == .staff else {
            throw AccessError.signInRequired(area: .staff)
        }
        coreContext = context.coreContext
        tenant = context.tenant
        origin = context.origin
        staff = identity.account
        session = identity.session
        csrfToken = context.csrfToken
        twoFactorRequired = context.staffTwoFactorRequired
    }
}

/// What every signed-in page knows, whichever kind of account is signed in.
package protocol SignedInContext: RequestContext {
    var tenant: Tenant { get }
    var origin: RequestOrigin { get }
    var account: Account { get }
    var session: AccountSession { get }
    var csrfToken: String { get }
}

extension CustomerRequestContext: SignedInContext {
    package var account: Account { customer }
}

extension StaffRequestContext: SignedInContext {
    package var account: Account { staff }
}

extension StaffEnrollmentRequestContext: SignedInContext {
    package var account: Account { staff }
}
