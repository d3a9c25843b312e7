import Branding
import Foundation
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
        let products: [Product]
    }

    let assetsDirectory: String
    let dataDirectory: DataDirectory

    package init(assetsDirectory: String, dataDirectory: DataDirectory) {
        self.assetsDirectory = assetsDirectory
        self.dataDirectory = dataDirectory
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
            Login(tenant: slug, role: "owner", email: "owner@\(slug).example", password: "\(slug)-owner-demo", path: "/admin/login"),
            Login(tenant: slug, role: "customer", email: "customer@\(slug).example", password: "\(slug)-customer-demo",
                  path: "/login"),
        ]
    }

    /// Creates each demo tenant that does not exist yet; returns the ones it created.
    package func createMissing(using onboarding: TenantOnboarding, hasher: PasswordHasher) async throws -> [Tenant] {
        var created: [Tenant] = []
        for definition in Self.definitions {
            let slug = try TenantSlug(validating: definition.slug)
            guard try onboarding.platform.tenant(slug: slug) == nil else { continue }
            var hashes: [String] = []
            for login in Self.logins(for: definition.slug) { hashes.append(try await hasher.hash(login.password)) }
            let logins = Self.logins(for: definition.slug)
            let logo = try [UInt8](Data(contentsOf: URL(fileURLWithPath: assetsDirectory)
                .appendingPathComponent("demo").appendingPathComponent(definition.logo)))
            let store = ImageStore(dataDirectory: dataDirectory)
            let tenant = try onboarding.addTenant(.init(slug: definition.slug, name: definition.name)) { database, folder in
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
                    brand.senderName = definition.name
                    brand.senderEmail = "hello@\(definition.slug).example"
                    brand.footerLinks = [
                        .init(label: "Terms", url: "https://\(definition.slug).example/terms"),
                        .init(label: "Privacy", url: "https://\(definition.slug).example/privacy"),
                    ]
                    brand.nameservers = ["ns1.\(definition.slug).example", "ns2.\(definition.slug).example"]
                }
                try database.pool.write { db in
                    for var product in definition.products { try product.insert(db) }
                    for (login, hash) in zip(logins, hashes) {
                        _ = try AccountStore.insertAccount(
                            db, kind: login.role == "owner" ? .staff : .customer, email: login.email,
                            name: login.role == "owner" ? "\(definition.name) Owner" : "Demo Customer", company: "",
                            passwordHash: hash, role: login.role == "owner" ? .owner : nil, emailVerifiedAt: Date(),
                            now: Date()
                        )
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
            products: [
                Product(
                    slug: "starter-web", name: "Starter Web", summary: "One website with room to grow.",
                    kind: .sharedHosting, priceMinor: 299, billingCycle: .monthly,
                    features: ["10 GB SSD storage", "1 website", "Free SSL certificate", "Daily backups"], position: 1
                ),
                Product(
                    slug: "business-web", name: "Business Web", summary: "For busy sites and online shops.",
                    kind: .sharedHosting, priceMinor: 699, billingCycle: .monthly,
                    features: ["50 GB SSD storage", "10 websites", "Free SSL certificates", "Priority support"],
                    position: 2
                ),
                Product(
                    slug: "reseller-pro", name: "Reseller Pro", summary: "Host your own clients under your brand.",
                    kind: .resellerHosting, priceMinor: 2499, billingCycle: .monthly,
                    features: ["200 GB SSD storage", "50 cPanel accounts", "White-label nameservers"], position: 3
                ),
                Product(
                    slug: "cloud-vps-2", name: "Cloud VPS 2", summary: "Your own server, ready in minutes.",
                    kind: .vps, priceMinor: 1499, billingCycle: .monthly,
                    features: ["2 vCPU", "4 GB RAM", "80 GB NVMe"], position: 4
                ),
                Product(
                    slug: "ssl-dv", name: "Domain SSL", summary: "Padlock and HTTPS for one domain.",
                    kind: .ssl, priceMinor: 2999, billingCycle: .annually,
                    features: ["Domain validation", "Issued in minutes"], position: 5
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
            products: [
                Product(
                    slug: "launch", name: "Launch", summary: "A fast start for a new project.",
                    kind: .sharedHosting, priceMinor: 499, billingCycle: .monthly,
                    features: ["25 GB NVMe storage", "Free SSL certificate", "Email accounts"], position: 1
                ),
                Product(
                    slug: "grow", name: "Grow", summary: "More power for growing teams.",
                    kind: .sharedHosting, priceMinor: 1299, billingCycle: .monthly,
                    features: ["100 GB NVMe storage", "Unlimited sites", "Staging environments"], position: 2
                ),
                Product(
                    slug: "scale-cloud", name: "Scale Cloud Server", summary: "Dedicated resources on 20i cloud.",
                    kind: .vps, priceMinor: 3900, billingCycle: .monthly,
                    features: ["4 vCPU", "8 GB RAM", "160 GB NVMe"], position: 3
                ),
                Product(
                    slug: "wildcard-ssl", name: "Wildcard SSL", summary: "Secure every subdomain with one certificate.",
                    kind: .ssl, priceMinor: 14900, billingCycle: .annually,
                    features: ["*.yourdomain.com", "Organisation validation available"], position: 4
                ),
            ]
        ),
    ]
}
