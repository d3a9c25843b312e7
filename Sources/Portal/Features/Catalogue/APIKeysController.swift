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
            /// "Ada (admin)", or why the key no longer works.
            package let owner: String
            package let expires: String
            /// Not revoked, but no longer working (expired, or its maker removed or demoted).
            package let inactive: Bool
        }

        package struct Expiry: Sendable {
            package let value: String
            package let label: String
            package let selected: Bool
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package var rows: [Row]
        package var hasRows: Bool
        package var newKey: String?
        package var name = ""
        package var nameError: String?
        package var expiries: [Expiry] = []
        package var expiryError: String?
    }

    /// How long a new key works: never expiring, or a number of days.
    static let expiryChoices: [(value: String, label: String, days: Int?)] = [
        ("90", "90 days", 90), ("30", "30 days", 30), ("365", "1 year", 365), ("never", "Never expires", nil),
    ]

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.apiKeys.route, use: show)
        group.post(AdminPaths.apiKeys.route, use: create)
        group.post(AdminPaths.apiKeyRevoke.route, use: revoke)
    }

    private func page(_ context: StaffRequestContext, notice: Notice? = nil) async throws -> Page {
        let keys = try await databases.withDatabase(for: context.tenant) { try await $0.apiKeys.keys() }
        let now = flows.services.now()
        let rows = keys.map { key in
            let owner: String =
                switch key.ownerRole {
                case nil: "its maker was removed: it no longer works"
                case .support?: "\(key.ownerEmail ?? "") (now support: it no longer works)"
                case let role?: "\(key.ownerEmail ?? "") (\(role.rawValue))"
                }
            let expires =
                key.expiresAt.map { ($0 <= now ? "expired " : "") + PageDates.format($0) } ?? "never"
            return Page.Row(
                id: key.id, name: key.name, lastFour: key.lastFour, created: PageDates.format(key.createdAt),
                lastUsed: key.lastUsedAt.map(PageDates.format) ?? "never", revoked: key.revokedAt != nil,
                owner: owner, expires: expires, inactive: key.revokedAt == nil && !key.works(at: now)
            )
        }
        var page = Page(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, rows: rows, hasRows: !rows.isEmpty)
        page.expiries = Self.expiryChoices.map { .init(value: $0.value, label: $0.label, selected: $0.value == "90") }
        return page
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
        let expiry = Self.expiryChoices.first { $0.value == form["expires"] }
        guard !name.isEmpty, name.count <= 80, !name.contains(where: \.isNewline), expiry != nil else {
            var page = try await page(context, notice: .error("Nothing was created: correct the fields marked below."))
            page.name = name
            if name.isEmpty || name.count > 80 || name.contains(where: \.isNewline) {
                page.nameError = "Name the key after what uses it, such as “CMS sync”, in at most 80 characters."
            }
            if expiry == nil { page.expiryError = "Choose how long the key works." }
            page.expiries = Self.expiryChoices.map {
                .init(value: $0.value, label: $0.label, selected: $0.value == form["expires"])
            }
            return try flows.page(page, "admin/api-keys", status: .unprocessableContent)
        }
        let expiresAt = expiry?.days.map { flows.services.now().addingTimeInterval(Double($0) * 86_400) }
        let key = "pk_" + SecureToken.generate()
        _ = try await databases.withDatabase(for: context.tenant) { database in
            try await database.apiKeys.add(
                name: name, hash: SecureToken.hash(key), lastFour: String(key.suffix(4)), expiresAt: expiresAt,
                actor: context.staff,
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
