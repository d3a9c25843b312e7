import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension CustomerBillingController {
    // MARK: Profile

    @Sendable func profile(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let stored = try await databases.withDatabase(for: context.tenant) {
            try await $0.orders.profile(of: context.account.id)
        }
        var notice: Notice?
        if request.uri.queryParameters.get("done") == "saved" { notice = .success("Your details are saved.") }
        return try flows.page(
            ProfilePage(
                chrome: context.chrome, csrf: context.csrfToken, notice: notice,
                profile: stored.map(ProfileForm.init) ?? ProfileForm(), errors: [:]),
            "account/profile"
        )
    }

    /// Saves the details here and, when the customer is a WHMCS client, there too (UpdateClient); if WHMCS is down
    /// nothing is changed here either, so the two never disagree.
    @Sendable func saveProfile(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        var request = request
        let form = ProfileForm(form: try await FormData.parse(&request))
        let problems = form.problems()
        guard problems.isEmpty else {
            return try flows.page(
                ProfilePage(
                    chrome: context.chrome, csrf: context.csrfToken,
                    notice: .error("Nothing was saved: correct the marked fields."), profile: form, errors: problems),
                "account/profile", status: .unprocessableContent
            )
        }
        let profile = form.profile(for: context.account.id, now: flows.services.now())
        if let link = try await databases.withDatabase(
            for: context.tenant, { try await $0.upstreams.billingClient(of: context.account.id) })
        {
            let (client, _) = try await upstreams.whmcs(for: context.tenant)
            try await client.updateClient(id: link.clientID, WHMCSClientUpdate(profile))
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.orders.saveProfile(profile)
            try await database.accounts.audit(
                "profile.updated", actor: context.account, ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: AccountPaths.profile.link() + "?done=saved")
    }
}
