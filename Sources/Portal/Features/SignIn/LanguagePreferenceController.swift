import Branding
import Foundation
import Hummingbird
import Tenancy

/// A customer's saved language (`/account/language`): it chooses their pages whenever the address does not, and
/// every email sent to them.
struct LanguagePreferenceController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.post(AccountPaths.language.route, use: save)
    }

    @Sendable func save(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let code = try await FormData.parse(request).trimmed("language")
        guard context.chrome.languageCodes.contains(code) else {
            return try flows.page(
                MessagePage(
                    chrome: context.chrome, title: tr("account.language.not_saved"),
                    message: tr("account.language.choose_offered"), linkURL: AccountPaths.profile.link(),
                    linkLabel: tr("account.language.back")),
                "account/message", status: .unprocessableContent)
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.setLanguage(code, for: context.account.id)
            try await database.accounts.audit(
                "customer.language", actor: context.account, target: code, ip: context.origin.clientAddress ?? "",
                now: flows.services.now())
        }
        // The next page is in the chosen language at once, whatever the address was.
        return flows.redirect(to: "/\(code)" + AccountPaths.profile.link() + "?done=language")
    }
}
