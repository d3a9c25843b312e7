import Foundation
import Tenancy

/// `/account/services/{id}/change`: the plan change and its price, to confirm.
package struct ServiceChangePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let serviceID: Int
    package let from: String
    package let to: String
    package let cycle: String
    package let slug: String
    package let chargeNow: String
    package let quoted: String
    package let recurring: String
    package let daysLeft: Int
    package let totalDays: Int
    package let key: String
}

extension ServiceChangePage {
    init(_ preview: ServiceChanges.Preview, context: CustomerRequestContext, key: String = SecureToken.generate())
        throws
    {
        let currency = try context.content.brand.currency
        let price = preview.entry.price(for: preview.cycle)?.priceMinor ?? 0
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, serviceID: preview.service.whmcsServiceID,
            from: preview.current.product.name, to: preview.entry.product.name, cycle: preview.cycle.rawValue,
            slug: preview.entry.product.slug,
            chargeNow: Money.format(minor: preview.quote.priceMinor, currency: currency),
            quoted: String(preview.quote.priceMinor),
            recurring: "\(Money.format(minor: price, currency: currency)) \(preview.cycle.perLabel)",
            daysLeft: preview.quote.daysUntilRenewal, totalDays: preview.quote.totalDays, key: key
        )
    }
}
