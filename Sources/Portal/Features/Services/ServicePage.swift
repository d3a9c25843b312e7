import Branding
import Foundation
import Tenancy

/// `/account/services/{id}`.
package struct ServicePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let id: Int
    package let name: String
    package let domain: String
    package let status: String
    package let isActive: Bool
    package let cycle: String
    package let price: String
    package let nextDue: String
    package let resources: [String]
    package let hasResources: Bool
    package let nameservers: [String]
    package let hasNameservers: Bool
    package let server: String
    package let username: String
    package let hasControlPanel: Bool
    package struct Shortcut: Sendable {
        package let value: String
        package let label: String
    }
    /// Buttons that open one part of the control panel directly (webmail, files, …).
    package var panelShortcuts: [Shortcut] = ControlPanelShortcut.allCases.filter { $0 != .home }.map {
        Shortcut(value: $0.rawValue, label: $0.label)
    }
    package let canRevealPassword: Bool
    /// Set only on the answer to a successful reveal, which is never cached.
    package var revealedPassword: String?
    package var passwordError: String?
    package struct PlanChoice: Sendable {
        package let product: String
        package let cycle: String
        package let label: String
    }
    /// Other plans of the same kind this service can move to.
    package var plans: [PlanChoice] = []
    package var hasPlans = false
    package var canChange = false
    /// A change already under way (its order number).
    package var pendingChange: String?
    package var changeKey = ""
}

extension ServicePage {
    init(
        _ service: MirroredService, hosting: HostingAccountRecord?, product: Product?, brand: Brand,
        server: String, resources: [String], context: CustomerRequestContext, notice: Notice?
    ) {
        let nameservers =
            hosting.map { $0.nameservers.isEmpty ? brand.nameservers : $0.nameservers } ?? brand.nameservers
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: service.whmcsServiceID,
            name: service.productName, domain: service.domain, status: service.status, isActive: service.isActive,
            cycle: service.billingCycle, price: Money.format(minor: service.recurringMinor, currency: brand.currency),
            nextDue: service.nextDueDate, resources: resources, hasResources: !resources.isEmpty,
            nameservers: nameservers, hasNameservers: !nameservers.isEmpty, server: hosting == nil ? "" : server,
            username: hosting?.username ?? service.username, hasControlPanel: hosting != nil && service.isActive,
            canRevealPassword: hosting?.sealedPassword != nil
        )
    }

    /// Offers the other plans and cycles of the same kind, unless a change is already under way.
    mutating func offer(_ entries: [CatalogueEntry], from product: Product, pending: Order?, currency: String) {
        let current = cycle.lowercased().replacingOccurrences(of: "-", with: "")
        plans = entries.filter { $0.product.kind == product.kind }.flatMap { entry in
            entry.prices.compactMap { price -> PlanChoice? in
                if entry.product.id == product.id && price.cycle.rawValue == current { return nil }
                return PlanChoice(
                    product: entry.product.slug, cycle: price.cycle.rawValue,
                    label:
                        "\(entry.product.name): \(Money.format(minor: price.priceMinor, currency: currency)) \(price.cycle.perLabel)"
                )
            }
        }
        hasPlans = !plans.isEmpty
        pendingChange = pending?.number
        canChange = pending == nil
        changeKey = SecureToken.generate()
    }
}
