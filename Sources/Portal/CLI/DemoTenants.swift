import Branding
import Foundation
import Sandbox
import Tenancy

/// The two demo brands `portal demo` creates: different names, colours, logos and catalogues.
package struct DemoTenants: Sendable {
    package struct Definition: Sendable {
        let slug: String
        let name: String
        let tagline: String
        let colors: (primary: String, accent: String, background: String, text: String, link: String)
        let font: FontStack
        let currency: String
        let logo: String
        let categories: [ProductCategory]
        /// Each product with the slug of its category.
        let products: [(category: String, draft: ProductDraft)]
    }

    let assetsDirectory: String
    let dataDirectory: DataDirectory
    let rules: CatalogueRules

    package init(assetsDirectory: String, dataDirectory: DataDirectory) throws {
        self.assetsDirectory = assetsDirectory
        self.dataDirectory = dataDirectory
        rules = try CatalogueRules(directory: assetsDirectory)
    }

    /// A demo sign-in printed by `portal demo`.
    package struct Login: Sendable {
        package let tenant: String
        package let role: String
        package let email: String
        package let password: String
        package let path: String
    }

    /// The owner and customer each demo tenant gets.
    package static func logins(for slug: String) -> [Login] {
        [
            Login(
                tenant: slug, role: "owner", email: "owner@\(slug).example", password: "\(slug)-owner-demo",
                path: SignInPaths.staff.login.link()),
            Login(
                tenant: slug, role: "customer", email: "customer@\(slug).example", password: "\(slug)-customer-demo",
                path: SignInPaths.customer.login.link()),
        ]
    }

    /// The demo's platform user, who signs in to the console on the platform host (and sets up two-factor first,
    /// as every platform user must).
    package static let platformLogin = Login(
        tenant: "", role: "platform", email: "ops@platform.example", password: "platform-console-demo",
        path: SignInPaths.platform.login.link())

    /// Creates the demo platform user unless one with that address exists; true when it was created.
    package static func createPlatformUser(in platform: PlatformDatabase, hasher: PasswordHasher) async throws -> Bool {
        let login = platformLogin
        guard try await platform.accounts.account(kind: .platform, email: login.email) == nil else { return false }
        _ = try await platform.accounts.createAccount(
            kind: .platform, email: login.email, name: "Platform operator",
            passwordHash: try await hasher.hash(login.password, brand: "cli"), emailVerified: true)
        return true
    }

    /// Creates each demo tenant that does not exist yet; returns the ones it created.
    package func createMissing(using onboarding: TenantOnboarding, hasher: PasswordHasher) async throws -> [Tenant] {
        var created: [Tenant] = []
        for definition in Self.definitions {
            let slug = try TenantSlug(validating: definition.slug)
            guard try onboarding.platform.tenant(slug: slug) == nil else { continue }
            var hashes: [String] = []
            for login in Self.logins(for: definition.slug) {
                hashes.append(try await hasher.hash(login.password, brand: "cli"))
            }
            let logins = Self.logins(for: definition.slug)
            let logo = try [UInt8](
                Data(
                    contentsOf: URL(fileURLWithPath: assetsDirectory)
                        .appendingPathComponent("demo").appendingPathComponent(definition.logo)))
            let store = ImageStore(dataDirectory: dataDirectory)
            let tenant = try onboarding.addTenant(.init(slug: definition.slug, name: definition.name)) {
                database, folder in
                let logoFile = try store.store(logo, for: slug, in: folder.appendingPathComponent("assets")).name
                let colors = definition.colors
                let palette = try [colors.primary, colors.accent, colors.background, colors.text, colors.link]
                    .map { try HexColor($0) }
                try database.updateBrandNow { brand in
                    brand.tagline = definition.tagline
                    brand.primaryColor = palette[0]
                    brand.accentColor = palette[1]
                    brand.backgroundColor = palette[2]
                    brand.textColor = palette[3]
                    brand.linkColor = palette[4]
                    brand.fontStack = definition.font
                    brand.currency = definition.currency
                    brand.logoFile = logoFile
                    brand.companyName = "\(definition.name) Ltd"
                    brand.supportEmail = "support@\(definition.slug).example"
                    brand.supportPhone = "+44 20 7946 0\(definition.slug == "acme" ? "123" : "456")"
                    brand.postalAddress = "1 Example Street\nLondon\nEC1A 1AA"
                    brand.country = "GB"
                    brand.companyNumber = definition.slug == "acme" ? "09876543" : "08765432"
                    brand.taxNumber = definition.slug == "acme" ? "GB 123 4567 89" : "GB 987 6543 21"
                    brand.termsURL = "https://\(definition.slug).example/terms"
                    brand.senderName = definition.name
                    brand.senderEmail = "hello@\(definition.slug).example"
                    brand.footerLinks = [
                        .init(label: "Terms", url: "https://\(definition.slug).example/terms"),
                        .init(label: "Privacy", url: "https://\(definition.slug).example/privacy"),
                    ]
                    brand.nameservers = ["ns1.\(definition.slug).example", "ns2.\(definition.slug).example"]
                    if definition.slug == "globex" { Self.addArabic(to: &brand) }
                }
                var categoryIDs: [String: Int64] = [:]
                var entries: [(String, CatalogueEntry)] = []
                for (category, draft) in definition.products {
                    switch rules.validate(draft, currency: definition.currency, categories: []) {
                    case .success(let entry): entries.append((category, entry))
                    case .failure(let problems): throw CommandError("demo product \(draft.slug): \(problems.summary)")
                    }
                }
                try database.pool.write { db in
                    for var category in definition.categories {
                        try category.insert(db)
                        categoryIDs[category.slug] = category.id
                    }
                    var productIDs: [String: Int64] = [:]
                    for (category, entry) in entries {
                        var entry = entry
                        entry.product.categoryID = categoryIDs[category]
                        productIDs[entry.product.slug] = try CatalogueStore.insert(db, entry)
                    }
                    if definition.slug == "globex" { try Self.seedArabic(db, products: productIDs, now: Date()) }
                    for (login, hash) in zip(logins, hashes) {
                        let account = try AccountStore.insertAccount(
                            db, kind: login.role == "owner" ? .staff : .customer, email: login.email,
                            name: login.role == "owner" ? "\(definition.name) Owner" : "Demo Customer", company: "",
                            passwordHash: hash, role: login.role == "owner" ? .owner : nil, emailVerifiedAt: Date(),
                            now: Date()
                        )
                        if login.role == "customer" {
                            try CustomerProfile(
                                accountID: account.id, firstName: "Demo", lastName: "Customer",
                                address1: "1 Example Street",
                                city: "London", state: "London", postcode: "EC1A 1AA", country: "GB",
                                phone: "+44 20 7946 0000"
                            ).insert(db)
                        }
                    }
                }
            }
            created.append(tenant)
        }
        return created
    }

    package static let definitions: [Definition] = [
        Definition(
            slug: "acme",
            name: "Acme Hosting",
            tagline: "Fast, friendly web hosting for small businesses",
            colors: ("#c2410c", "#1e3a8a", "#fffaf5", "#1c1917", "#9a3412"),
            font: .geometric,
            currency: "GBP",
            logo: "acme-logo.png",
            categories: [
                ProductCategory(
                    slug: "web-hosting", name: "Web hosting", description: "cPanel hosting for websites and email.",
                    position: 1),
                ProductCategory(
                    slug: "servers", name: "Cloud servers", description: "Your own server with dedicated resources.",
                    position: 2),
                ProductCategory(
                    slug: "security", name: "Domains and SSL", description: "Names and padlocks for your sites.",
                    position: 3),
            ],
            products: [
                (
                    "web-hosting",
                    .hosting(
                        "starter-web", "Starter Web", "One website with room to grow.", package: "starter",
                        diskMB: 10_240,
                        features: ["10 GB SSD storage", "1 website", "Free SSL certificate", "Daily backups"],
                        position: 1,
                        prices: [("monthly", "2.99", ""), ("annually", "29.90", "")]
                    )
                ),
                (
                    "web-hosting",
                    .hosting(
                        "business-web", "Business Web", "For busy sites and online shops.", package: "pro",
                        diskMB: 51_200,
                        features: ["50 GB SSD storage", "10 websites", "Free SSL certificates", "Priority support"],
                        position: 2,
                        prices: [("monthly", "6.99", "5.00"), ("annually", "69.90", "")]
                    )
                ),
                (
                    "web-hosting",
                    .hosting(
                        "reseller-pro", "Reseller Pro", "Host your own clients under your brand.", package: "pro",
                        diskMB: 204_800,
                        features: ["200 GB SSD storage", "50 cPanel accounts", "White-label nameservers"], position: 3,
                        prices: [("monthly", "24.99", "")], reseller: 50
                    )
                ),
                (
                    "servers",
                    .cloud(
                        "cloud-vps-2", "Cloud VPS 2", "Your own server, ready in minutes.", provider: "20i",
                        size: "medium",
                        features: ["2 vCPU", "4 GB RAM", "80 GB NVMe"], position: 4, prices: [("monthly", "14.99", "")]
                    )
                ),
                (
                    "security",
                    .ssl(
                        "ssl-dv", "Domain SSL", "Padlock and HTTPS for one domain.", type: "single",
                        code: "positivessl",
                        features: ["Domain validation", "Issued in minutes"], position: 5,
                        prices: [("annually", "29.99", "")]
                    )
                ),
                (
                    "security",
                    .domains(
                        "domains", "Domain names", "Register or transfer your domain.", position: 6,
                        tlds: [
                            ("com", "11.99", "11.99", "13.99"), ("co.uk", "7.99", "7.99", "8.99"),
                            ("io", "39.99", "39.99", "44.99"),
                        ]
                    )
                ),
            ]
        ),
        Definition(
            slug: "globex",
            name: "Globex Web",
            tagline: "Cloud hosting that scales with you",
            colors: ("#0f766e", "#6d28d9", "#f8fafc", "#0f172a", "#0f766e"),
            font: .humanist,
            currency: "USD",
            logo: "globex-logo.png",
            categories: [],
            products: [
                (
                    "",
                    .hosting(
                        "launch", "Launch", "A fast start for a new project.", package: "starter", diskMB: 25_600,
                        features: ["25 GB NVMe storage", "Free SSL certificate", "Email accounts"], position: 1,
                        prices: [("monthly", "4.99", ""), ("annually", "49.90", "")]
                    )
                ),
                (
                    "",
                    .hosting(
                        "grow", "Grow", "More power for growing teams.", package: "pro", diskMB: 102_400,
                        features: ["100 GB NVMe storage", "Unlimited sites", "Staging environments"], position: 2,
                        prices: [("monthly", "12.99", "")]
                    )
                ),
                (
                    "",
                    .cloud(
                        "scale-cloud", "Scale Cloud Server", "Dedicated resources, ready in minutes.", provider: "20i",
                        size: "large",
                        features: ["4 vCPU", "8 GB RAM", "160 GB NVMe"], position: 3, prices: [("monthly", "39.00", "")]
                    )
                ),
                (
                    "",
                    .ssl(
                        "wildcard-ssl", "Wildcard SSL", "Secure every subdomain with one certificate.",
                        type: "wildcard",
                        code: "positivesslwildcard",
                        features: ["*.yourdomain.com", "Organisation validation available"], position: 4,
                        prices: [("annually", "149.00", "")]
                    )
                ),
            ]
        ),
    ]
}

extension DemoTenants {
    /// Stores a Stripe simulator account as the brand's Stripe connection (keys sealed, as the Payments page does).
    static func connectStripe(
        _ tenant: Tenant, account: StripeSimulator.Account, baseURL: String, dependencies: PortalDependencies
    ) async throws {
        let secrets = dependencies.accountServices.secrets
        let stored = StripeAccount(
            secretKey: try secrets.seal(
                account.secretKey, context: TenantUpstreams.context(tenant, TenantUpstreams.stripeSecretField)),
            secretKeyLast4: String(account.secretKey.suffix(4)), publishableKey: account.publishableKey,
            webhookSecret: try secrets.seal(
                account.webhookSecret, context: TenantUpstreams.context(tenant, TenantUpstreams.stripeWebhookField)),
            webhookSecretLast4: String(account.webhookSecret.suffix(4)), gateway: "stripe", baseURL: baseURL,
            updatedAt: Date())
        try await dependencies.databases.withDatabase(for: tenant) { database in
            try await database.payments.saveStripeAccount(stored, actor: nil, ip: "demo")
        }
    }
}
