import Foundation
import Integrations
import Tenancy

/// The exchange rates WHMCS gave (`GetCurrencies`, units per unit of its base currency) when the brand chose its
/// currency, kept with the brand so the platform's cost floor converts without an upstream call per form.
enum ExchangeRates {
    static let settingKey = "currency.rates"

    /// `GBP=1;JPY=190.5`.
    static func encode(_ rates: [String: Decimal]) -> String {
        rates.keys.sorted().map { "\($0)=\(rates[$0]!)" }.joined(separator: ";")
    }

    static func decode(_ text: String?) -> [String: Decimal] {
        var rates: [String: Decimal] = [:]
        for pair in (text ?? "").split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2,
                let rate = Decimal(string: String(parts[1]), locale: Locale(identifier: "en_US_POSIX"))
            else { continue }
            rates[String(parts[0]).uppercased()] = rate
        }
        return rates
    }

    static func load(_ database: TenantDatabase) async throws -> [String: Decimal] {
        decode(try await database.accounts.setting(settingKey))
    }
}
