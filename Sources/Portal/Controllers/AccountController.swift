import Hummingbird
import Tenancy

/// `/account`: the signed-in customer's home.
package struct AccountController: Sendable {
    let flows: AccountFlows
    let realm: @Sendable (CustomerRequestContext) -> any AccountRealm

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get("/account", use: home)
    }

    @Sendable func home(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let customer = context.account
        let page = AccountHomePage(
            chrome: try await realm(context).chrome(), csrf: context.csrfToken, name: customer.name,
            email: customer.email, company: customer.company, emailVerified: customer.emailVerifiedAt != nil,
            notice: nil
        )
        return try flows.page(page, "account/home")
    }
}
