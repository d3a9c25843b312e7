import Foundation
import Tenancy

/// `/order/{slug}`: the first step, choosing a billing cycle and (for hosting and domains) a domain.
package struct OrderConfigurePage: Sendable {
    package struct CycleChoice: Sendable {
        package let value: String
        package let label: String
        package let price: String
        package let setup: String
        package let hasSetup: Bool
        package let checked: Bool
    }

    package struct ActionChoice: Sendable {
        package let value: String
        package let label: String
        package let checked: Bool
    }

    package let chrome: StorefrontChrome
    package let slug: String
    package let name: String
    package let summary: String
    package let kindLabel: String
    package let cycles: [CycleChoice]
    package let hasCycles: Bool
    package let asksDomain: Bool
    package let domainOptional: Bool
    package let domainLabel: String
    package let domain: String
    package let actions: [ActionChoice]
    package let hasActions: Bool
    package let errors: [String: String]
    package var notice: Notice?
    /// The domain endings the brand registers and transfers, as a hint beside the domain box.
    package var endingsHint: String?
}

extension OrderConfigurePage {
    init(
        _ entry: CatalogueEntry, currency: String, chrome: StorefrontChrome, choice: OrderChoice,
        errors: [String: String] = [:], domains: CatalogueEntry? = nil
    ) {
        let product = entry.product
        // The cheapest way to pay (by the month) is chosen unless the customer chose.
        let preselected = choice.cycle.isEmpty ? entry.cheapest?.cycle.rawValue ?? "" : choice.cycle
        // Hosting offers registering and transferring only when the brand sells domain names.
        let sellsDomains = domains.map { $0.product.isOrderable && !$0.domainPrices.isEmpty } ?? false
        let actions: [(Order.DomainAction, String)] =
            product.kind == .domain
            ? [(.register, tr("checkout.configure.register_it")), (.transfer, tr("checkout.configure.transfer_it"))]
            : product.kind.isHosting
                ? (sellsDomains
                    ? [
                        (.register, tr("checkout.configure.register_new")),
                        (.transfer, tr("checkout.configure.transfer_to_us")),
                    ] : [])
                    + [(.existing, tr("checkout.configure.use_own"))]
                : []
        let defaultAction =
            choice.domainAction.isEmpty ? (product.kind == .domain ? "register" : "existing") : choice.domainAction
        self.init(
            chrome: chrome, slug: product.slug, name: product.name, summary: product.summary,
            kindLabel: product.kind.label,
            cycles: entry.prices.map {
                CycleChoice(
                    value: $0.cycle.rawValue, label: $0.cycle.label,
                    price: Money.format(minor: $0.priceMinor, currency: currency),
                    setup: Money.format(minor: $0.setupMinor, currency: currency), hasSetup: $0.setupMinor > 0,
                    checked: $0.cycle.rawValue == preselected
                )
            },
            hasCycles: product.kind != .domain, asksDomain: true, domainOptional: product.kind == .cloudServer,
            domainLabel: product.kind == .ssl
                ? tr("checkout.configure.domain_to_secure")
                : product.kind == .cloudServer
                    ? tr("checkout.configure.server_name") : tr("checkout.configure.domain_name"),
            domain: choice.domain,
            actions: actions.map {
                ActionChoice(value: $0.0.rawValue, label: $0.1, checked: $0.0.rawValue == defaultAction)
            },
            hasActions: !actions.isEmpty, errors: errors
        )
        let sold = (product.kind == .domain ? entry : domains)?.domainPrices.map { "." + $0.tld } ?? []
        if !sold.isEmpty, product.kind == .domain || sellsDomains {
            let endings =
                sold.count == 1
                ? sold[0]
                : tr(
                    "checkout.configure.endings_list",
                    ["first": sold.dropLast().joined(separator: ", "), "last": sold.last!])
            endingsHint = tr("checkout.configure.endings_hint", ["endings": endings])
        }
    }
}
