import Hummingbird
import Tenancy

/// `/account`: the signed-in customer's home.
package struct AccountController: Sendable {
    let flows: AccountFlows

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get("/account", use: home)
    }

    @Sendable func home(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let customer = context.customer
        let page = AccountHomePage(
            chrome: try await flows.chrome(context.tenant), csrf: context.csrfToken, name: customer.name,
            email: customer.email, company: customer.company, emailVerified: customer.emailVerifiedAt != nil,
            notice: nil
        )
        return try flows.page(page, "account/home")
    }
}
