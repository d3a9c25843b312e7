import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension CustomerBillingController {
    // MARK: Profile

    @Sendable func profile(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let stored = try await account.profile(of: context.account, in: context.tenant)
        var notice: Notice?
        if request.uri.queryParameters.get("done") == "saved" { notice = .success(tr("billing.profile.saved")) }
        if request.uri.queryParameters.get("done") == "language" { notice = .success(tr("account.language.saved")) }
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
        let form = ProfileForm(form: try await FormData.parse(request))
        let problems = form.problems()
        guard problems.isEmpty else {
            return try flows.page(
                ProfilePage(
                    chrome: context.chrome, csrf: context.csrfToken,
                    notice: .error(tr("billing.profile.not_saved")), profile: form, errors: problems),
                "account/profile", status: .unprocessableContent
            )
        }
        try await account.saveProfile(
            form, of: context.account, in: context.tenant, ip: context.origin.clientAddress ?? "")
        return flows.redirect(to: AccountPaths.profile.link() + "?done=saved")
    }
}
