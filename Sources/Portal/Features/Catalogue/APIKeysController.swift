import Foundation
import Hummingbird
import Tenancy

/// `/admin/api-keys` (owner): keys for the product API. A new key is shown once; only its hash is kept.
package struct APIKeysController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases

    package struct Page: Sendable {
        package struct Row: Sendable {
            package let id: Int64
            package let name: String
            package let lastFour: String
            package let created: String
            package let lastUsed: String
            package let revoked: Bool
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package var rows: [Row]
        package var hasRows: Bool
        package var newKey: String?
        package var name = ""
        package var nameError: String?
    }

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.apiKeys.route, use: show)
        group.post(AdminPaths.apiKeys.route, use: create)
        group.post(AdminPaths.apiKeyRevoke.route, use: revoke)
    }

    private func page(_ context: StaffRequestContext, notice: Notice? = nil) async throws -> Page {
        let keys = try await databases.withDatabase(for: context.tenant) { try await $0.apiKeys.keys() }
        let rows = keys.map { key in
            Page.Row(
                id: key.id, name: key.name, lastFour: key.lastFour, created: PageDates.format(key.createdAt),
                lastUsed: key.lastUsedAt.map(PageDates.format) ?? "never", revoked: key.revokedAt != nil
            )
        }
        return Page(chrome: context.chrome, csrf: context.csrfToken, notice: notice, rows: rows, hasRows: !rows.isEmpty)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let notice: Notice? =
            request.uri.queryParameters.get("done") == "revoked"
            ? .success("The key was revoked; it stops working at once.") : nil
        return try flows.page(try await page(context, notice: notice), "admin/api-keys")
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        let name = form.trimmed("name")
        guard !name.isEmpty, name.count <= 80, !name.contains(where: \.isNewline) else {
            var page = try await page(context, notice: .error("Nothing was created: give the key a name."))
            page.name = name
            page.nameError = "Name the key after what uses it, such as “CMS sync”, in at most 80 characters."
            return try flows.page(page, "admin/api-keys", status: .unprocessableContent)
        }
        let key = "pk_" + SecureToken.generate()
        _ = try await databases.withDatabase(for: context.tenant) { database in
            try await database.apiKeys.add(
                name: name, hash: SecureToken.hash(key), lastFour: String(key.suffix(4)), actor: context.staff,
                ip: context.origin.clientAddress ?? ""
            )
        }
        var page = try await page(context, notice: .success("Key created. Copy it now: it is not shown again."))
        page.newKey = key
        return try flows.page(page, "admin/api-keys", status: .created)
    }

    @Sendable func revoke(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            try await databases.withDatabase(
                for: context.tenant,
                { database in
                    try await database.apiKeys.revoke(id, actor: context.staff, ip: context.origin.clientAddress ?? "")
                })
        else { throw PortalError.notFound }
        return flows.redirect(to: AdminPaths.apiKeys.link() + "?done=revoked")
    }
}
