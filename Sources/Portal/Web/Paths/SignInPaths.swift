/// The sign-in, security and two-factor pages of one area. Customers, staff and platform users each have the same
/// pages under their own prefix, so each area's set is built once here from the same shapes.
package struct SignInPaths: Sendable {
    package let login: RoutePath
    package let logout: RoutePath
    package let loginTwoFactor: RoutePath
    package let forgotPassword: RoutePath
    package let resetPassword: RoutePath
    package let acceptInvite: RoutePath
    package let security: RoutePath
    package let securityPassword: RoutePath
    package let securityEmail: RoutePath
    package let endSession: RoutePath
    package let endOtherSessions: RoutePath
    package let twoFactor: RoutePath
    package let twoFactorDisable: RoutePath
    package let twoFactorRecoveryCodes: RoutePath
    /// Where a signed-in account lands.
    package let home: RoutePath
    /// Where the security pages live (the templates build their form actions on it).
    package let securityBase: String

    private init(prefix: String, securityBase: String, home: RoutePath) {
        login = RoutePath("\(prefix)/login")
        logout = RoutePath("\(prefix)/logout")
        loginTwoFactor = RoutePath("\(prefix)/login/two-factor")
        forgotPassword = RoutePath("\(prefix)/forgot-password")
        resetPassword = RoutePath("\(prefix)/reset-password")
        acceptInvite = RoutePath("\(prefix)/accept-invite")
        security = RoutePath("\(securityBase)/security")
        securityPassword = RoutePath("\(securityBase)/security/password")
        securityEmail = RoutePath("\(securityBase)/security/email")
        endSession = RoutePath("\(securityBase)/security/sessions/end")
        endOtherSessions = RoutePath("\(securityBase)/security/sessions/end-others")
        twoFactor = RoutePath("\(securityBase)/security/two-factor")
        twoFactorDisable = RoutePath("\(securityBase)/security/two-factor/disable")
        twoFactorRecoveryCodes = RoutePath("\(securityBase)/security/two-factor/recovery-codes")
        self.home = home
        self.securityBase = securityBase
    }

    /// A brand's customers: `/login`, security at `/account/security`.
    package static let customer = SignInPaths(prefix: "", securityBase: "/account", home: AccountPaths.home)
    /// A brand's staff: `/admin/login`, security at `/admin/security`.
    package static let staff = SignInPaths(prefix: "/admin", securityBase: "/admin", home: AdminPaths.home)
    /// Platform users, on the platform host: `/login`, security at `/security`.
    package static let platform = SignInPaths(prefix: "", securityBase: "", home: ConsolePaths.home)
}
