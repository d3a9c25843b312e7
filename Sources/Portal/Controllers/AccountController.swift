import Hummingbird
import Tenancy

/// `/account`: the signed-in customer's home, with their hosting accounts and the brand's nameservers.
package struct AccountController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (CustomerRequestContext) -> any AccountRealm
    let databases: TenantDatabases
    let storefront: StorefrontService

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get("/account", use: home)
    }

    @Sendable func home(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let customer = context.account
        let nameservers = try await storefront.content(for: context.tenant).brand.nameservers
        let hosting = try await databases.withDatabase(for: context.tenant) { database in
            try await database.upstreams.hostingAccounts(of: customer.id).filter { !$0.isPending }
        }
        let page = AccountHomePage(
            chrome: try await realm(context).chrome(), csrf: context.csrfToken, name: customer.name,
            email: customer.email, company: customer.company, emailVerified: customer.emailVerifiedAt != nil,
            notice: nil,
            hosting: hosting.map { .init(domain: $0.domain, plan: $0.plan, nameservers: $0.nameservers.isEmpty ? nameservers : $0.nameservers) },
            hasHosting: !hosting.isEmpty, nameservers: nameservers, hasNameservers: !nameservers.isEmpty
        )
        return try flows.page(page, "account/home")
    }
}
