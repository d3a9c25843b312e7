import Foundation
import Tenancy

/// What a customer chose on the order form, as typed.
package struct OrderChoice: Sendable, Equatable {
    package var cycle = ""
    package var domain = ""
    package var domainAction = ""
    /// A promotion code, as typed (checked with WHMCS at review and again at "Place order").
    package var promoCode = ""

    package init(cycle: String = "", domain: String = "", domainAction: String = "", promoCode: String = "") {
        self.cycle = cycle
        self.domain = domain
        self.domainAction = domainAction
        self.promoCode = String(promoCode.trimmingCharacters(in: .whitespaces).prefix(64))
    }

    /// The query string that carries the choice from page to page.
    package var query: String {
        "cycle=\(QueryComponent.encode(cycle))&domain=\(QueryComponent.encode(domain))&domain_action=\(QueryComponent.encode(domainAction))"
            + (promoCode.isEmpty ? "" : "&promo=\(QueryComponent.encode(promoCode))")
    }
}

/// A priced order: its lines and total, checked against the catalogue as it is now.
package struct OrderQuote: Sendable, Equatable {
    package struct Line: Sendable, Equatable {
        package let label: String
        package let amountMinor: Int64
    }

    package let entry: CatalogueEntry
    package let cycle: Product.BillingCycle?
    package let domain: String
    package let domainAction: Order.DomainAction?
    package let priceMinor: Int64
    package let setupMinor: Int64
    package let domainMinor: Int64
    package private(set) var lines: [Line]
    /// What the domain costs each year after the first, when one is registered or transferred here.
    package var domainRenewalMinor: Int64?
    /// A promotion's discount on this order (WHMCS applies the same), and its code.
    package private(set) var discountMinor: Int64 = 0
    package private(set) var promoCode = ""

    package var totalMinor: Int64 { priceMinor + setupMinor + domainMinor - discountMinor }

    /// Takes a checked promotion's discount off, as a line of its own.
    package mutating func apply(promotion code: String, discountMinor: Int64, label: String) {
        guard discountMinor > 0 else { return }
        self.discountMinor = discountMinor
        promoCode = code
        lines.append(Line(label: label, amountMinor: -discountMinor))
    }

    /// The quote, or the problems by field (`cycle`, `domain`, `domain_action`, `product`).
    package static func make(
        entry: CatalogueEntry, choice: OrderChoice, domainProduct: CatalogueEntry?
    ) -> Result<OrderQuote, ProblemList> {
        var problems: [String: String] = [:]
        let product = entry.product
        guard product.isOrderable else {
            return .failure(ProblemList(["product": tr("checkout.quote.unavailable")]))
        }
        var cycle: Product.BillingCycle?
        var price: ProductPrice?
        if product.kind != .domain {
            if let chosen = Product.BillingCycle(rawValue: choice.cycle), let found = entry.price(for: chosen) {
                cycle = chosen
                price = found
            } else {
                problems["cycle"] = tr("checkout.quote.choose_cycle")
            }
        }
        let typed = choice.domain.trimmingCharacters(in: .whitespaces).lowercased()
        var domain = ""
        if !typed.isEmpty || product.kind != .cloudServer {
            if let valid = try? HostName.validateDomain(typed), valid.count <= 253 {
                domain = valid
            } else {
                problems["domain"] =
                    typed.isEmpty
                    ? tr("checkout.domain.missing")
                    : tr("checkout.domain.not_a_domain", ["domain": typed])
            }
        }
        var action: Order.DomainAction?
        var domainMinor: Int64 = 0
        var domainLabel = ""
        if product.kind.isHosting || product.kind == .domain {
            let allowed: [Order.DomainAction] =
                product.kind == .domain ? [.register, .transfer] : Order.DomainAction.allCases
            if let chosen = Order.DomainAction(rawValue: choice.domainAction), allowed.contains(chosen) {
                action = chosen
            } else {
                problems["domain_action"] =
                    product.kind == .domain
                    ? tr("checkout.domain.choose_action_domain")
                    : tr("checkout.domain.choose_action_hosting")
            }
            if let chosen = action, chosen != .existing, !domain.isEmpty {
                let prices = product.kind == .domain ? entry : domainProduct
                if let prices, prices.product.isOrderable, let tld = tld(of: domain, in: prices) {
                    let yearly = prices.domainPrice(tld: tld)!
                    domainMinor = chosen == .register ? yearly.registerMinor : yearly.transferMinor
                    domainLabel =
                        chosen == .register
                        ? tr("checkout.quote.domain_registration", ["domain": domain])
                        : tr("checkout.quote.domain_transfer", ["domain": domain])
                } else {
                    problems["domain"] =
                        chosen == .register
                        ? tr("checkout.domain.cannot_register") : tr("checkout.domain.cannot_transfer")
                }
            }
        }
        guard problems.isEmpty else { return .failure(ProblemList(problems)) }
        var domainRenewal: Int64?
        if let chosen = action, chosen != .existing {
            let prices = product.kind == .domain ? entry : domainProduct
            domainRenewal =
                prices.flatMap { prices in tld(of: domain, in: prices).flatMap { prices.domainPrice(tld: $0) } }?
                .renewMinor
        }
        var lines: [Line] = []
        if let price, let cycle {
            lines.append(Line(label: "\(product.name) (\(cycle.label.lowercased()))", amountMinor: price.priceMinor))
            if price.setupMinor > 0 {
                lines.append(Line(label: tr("storefront.product.setup_fee"), amountMinor: price.setupMinor))
            }
        }
        if domainMinor > 0 || !domainLabel.isEmpty { lines.append(Line(label: domainLabel, amountMinor: domainMinor)) }
        var quote = OrderQuote(
            entry: entry, cycle: cycle, domain: domain, domainAction: action, priceMinor: price?.priceMinor ?? 0,
            setupMinor: price?.setupMinor ?? 0, domainMinor: domainMinor, lines: lines)
        quote.domainRenewalMinor = domainRenewal
        return .success(quote)
    }

    /// The longest priced ending of `domain` (`co.uk` before `uk`).
    static func tld(of domain: String, in entry: CatalogueEntry) -> String? {
        let labels = domain.split(separator: ".")
        for start in 1..<max(labels.count, 1) {
            let candidate = labels[start...].joined(separator: ".")
            if entry.domainPrice(tld: candidate) != nil { return candidate }
        }
        return nil
    }
}
