import Foundation
import Integrations
import Tenancy

/// Promotion codes at checkout, checked against WHMCS's own promotions (`GetPromotions`), priced the way WHMCS
/// prices them on the invoice, so the discount shown is the discount billed.
enum Promotions {
    /// The discount `promotion` gives `quote`, or why it does not apply, in words for the customer.
    static func evaluate(
        _ promotion: WHMCSPromotion?, code: String, quote: OrderQuote, whmcsProductID: Int?, currency: Currency,
        today: String
    ) -> Result<(discountMinor: Int64, label: String), PromotionRefusal> {
        guard let promotion else { return .failure(.init(tr("checkout.promo.unknown", ["code": code]))) }
        if let start = promotion.startDate, today < start {
            return .failure(
                .init(tr("checkout.promo.not_started", ["code": code, "date": DisplayCalendar.longDate(start)])))
        }
        if let end = promotion.expirationDate, today > end {
            return .failure(.init(tr("checkout.promo.expired", ["code": code, "date": DisplayCalendar.longDate(end)])))
        }
        if promotion.maximumUses > 0, promotion.uses >= promotion.maximumUses {
            return .failure(.init(tr("checkout.promo.used_up", ["code": code])))
        }
        guard let whmcsProductID, promotion.appliesTo.contains(whmcsProductID) else {
            return .failure(
                .init(tr("checkout.promo.wrong_product", ["code": code, "product": quote.entry.product.name])))
        }
        if !promotion.cycles.isEmpty {
            let allowed = Set(
                promotion.cycles.map { $0.lowercased().replacingOccurrences(of: "-", with: "") })
            guard let cycle = quote.cycle, allowed.contains(cycle.rawValue) else {
                // The cycles the code is for are WHMCS's own names ("monthly", "semi-annually"), as WHMCS lists them.
                let cycles = promotion.cycles.sorted().joined(separator: ", ").lowercased()
                return .failure(
                    .init(
                        quote.cycle.map {
                            tr(
                                "checkout.promo.wrong_cycle",
                                ["code": code, "cycle": $0.label.lowercased(), "cycles": cycles])
                        } ?? tr("checkout.promo.wrong_cycle_none", ["code": code, "cycles": cycles])))
            }
        }
        let value = Decimal(string: promotion.value, locale: Locale(identifier: "en_US_POSIX")) ?? 0
        let price = quote.priceMinor
        var discount: Int64
        let label: String
        switch promotion.kind {
        case .percentage?:
            discount = rounded(Decimal(price) * value / 100)
            label = tr(
                "checkout.promo.line_off", ["code": promotion.code, "amount": TaxSettings.percent(promotion.value)])
        case .fixedAmount?:
            discount = min(price, currency.minor(fromDecimal: promotion.value, precision: .rounded) ?? 0)
            label = tr(
                "checkout.promo.line_off",
                ["code": promotion.code, "amount": Money.format(minor: discount, currency: currency.code)])
        case .priceOverride?:
            let override = currency.minor(fromDecimal: promotion.value, precision: .rounded) ?? price
            discount = max(0, price - override)
            label = tr(
                "checkout.promo.line_now",
                ["code": promotion.code, "price": Money.format(minor: override, currency: currency.code)])
        case .freeSetup?:
            discount = quote.setupMinor
            label = tr("checkout.promo.line_free_setup", ["code": promotion.code])
        case nil:
            return .failure(.init(tr("checkout.promo.unusable", ["code": code])))
        }
        guard discount > 0 else {
            return .failure(.init(tr("checkout.promo.no_discount", ["code": code])))
        }
        return .success((discount, label))
    }

    static func rounded(_ value: Decimal) -> Int64 {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, 0, .plain)
        return NSDecimalNumber(decimal: output).int64Value
    }
}

struct PromotionRefusal: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}

extension CheckoutDesk {
    /// `quote` with the choice's promotion applied, or the reason it was not (nil when no code was entered).
    func priced(_ quote: OrderQuote, promo code: String, in tenant: Tenant) async throws -> (OrderQuote, String?) {
        guard !code.isEmpty else { return (quote, nil) }
        let whmcs: WHMCSClient
        let promotion: WHMCSPromotion?
        do {
            whmcs = try await upstreams.whmcs(for: tenant).client
            promotion = try await whmcs.promotion(code: code)
        } catch {
            // The order itself does not depend on it: say so, and the customer may go on without the code.
            return (quote, tr("checkout.promo.unavailable"))
        }
        let today = DisplayCalendar.day(flows.services.now())
        switch Promotions.evaluate(
            promotion, code: code, quote: quote, whmcsProductID: quote.entry.product.whmcsProductID,
            currency: whmcs.currency, today: today)
        {
        case .success(let discount):
            var priced = quote
            priced.apply(
                promotion: promotion?.code ?? code, discountMinor: discount.discountMinor, label: discount.label)
            return (priced, nil)
        case .failure(let refusal):
            return (quote, refusal.message)
        }
    }
}
