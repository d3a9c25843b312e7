import HummingbirdTesting
import Tenancy
import Testing

@testable import Portal

/// A browser signed in as a staff member of `tenant` with `role` (made here; two-factor made optional for the brand
/// first), resting on `landing` so its next form post carries the session's token.
func staffBrowser(
    _ client: any TestClientProtocol, _ dependencies: PortalDependencies, role: Account.Role = .owner,
    tenant: String = "acme", email: String? = nil, landing: String = "/admin"
) async throws -> TestBrowser {
    let email = email ?? "\(role.rawValue)@\(tenant).example"
    try await twoFactorOptional(dependencies, tenant: tenant)
    try await makeAccount(dependencies, tenant: tenant, kind: .staff, email: email, role: role)
    let browser = TestBrowser(client, host: "\(tenant).localhost")
    let signedIn = try await signIn(browser, email: email, staff: true)
    try #require(signedIn.status == .seeOther, "\(email) could not sign in to \(tenant)'s staff area")
    let page = try await browser.get(landing)
    try #require(page.status == .ok, "\(landing) answered \(page.status) for \(email)")
    return browser
}

/// Turns off the tenant's "staff must use two-factor" policy, for tests about other staff features.
func twoFactorOptional(_ dependencies: PortalDependencies, tenant: String = "acme") async throws {
    try await dependencies.accounts(tenant) { try await $0.setSetting(StaffTwoFactorPolicy.key, to: "off") }
}
