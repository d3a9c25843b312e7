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
        guard let promotion else { return .failure(.init("There is no promotion with the code “\(code)”.")) }
        if let start = promotion.startDate, today < start {
            return .failure(.init("The code “\(code)” starts on \(DisplayCalendar.longDate(start))."))
        }
        if let end = promotion.expirationDate, today > end {
            return .failure(.init("The code “\(code)” expired on \(DisplayCalendar.longDate(end))."))
        }
        if promotion.maximumUses > 0, promotion.uses >= promotion.maximumUses {
            return .failure(.init("The code “\(code)” has been used as many times as it allows."))
        }
        guard let whmcsProductID, promotion.appliesTo.contains(whmcsProductID) else {
            return .failure(.init("The code “\(code)” does not apply to \(quote.entry.product.name)."))
        }
        if !promotion.cycles.isEmpty {
            let allowed = Set(
                promotion.cycles.map { $0.lowercased().replacingOccurrences(of: "-", with: "") })
            guard let cycle = quote.cycle, allowed.contains(cycle.rawValue) else {
                return .failure(
                    .init(
                        "The code “\(code)” does not apply to \(quote.cycle?.label.lowercased() ?? "this") billing; "
                            + "it is for \(promotion.cycles.sorted().joined(separator: ", ").lowercased()) billing."))
            }
        }
        let value = Decimal(string: promotion.value, locale: Locale(identifier: "en_US_POSIX")) ?? 0
        let price = quote.priceMinor
        var discount: Int64
        let label: String
        switch promotion.kind {
        case .percentage?:
            discount = rounded(Decimal(price) * value / 100)
            label = "Promotion \(promotion.code): \(TaxSettings.percent(promotion.value)) off"
        case .fixedAmount?:
            discount = min(price, currency.minor(fromDecimal: promotion.value, precision: .rounded) ?? 0)
            label = "Promotion \(promotion.code): \(Money.format(minor: discount, currency: currency.code)) off"
        case .priceOverride?:
            let override = currency.minor(fromDecimal: promotion.value, precision: .rounded) ?? price
            discount = max(0, price - override)
            label = "Promotion \(promotion.code): now \(Money.format(minor: override, currency: currency.code))"
        case .freeSetup?:
            discount = quote.setupMinor
            label = "Promotion \(promotion.code): free setup"
        case nil:
            return .failure(.init("The code “\(code)” cannot be used here."))
        }
        guard discount > 0 else {
            return .failure(.init("The code “\(code)” gives no discount on this order."))
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
            return (
                quote, "Promotion codes cannot be checked just now. Try again in a few minutes, or order without one."
            )
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
