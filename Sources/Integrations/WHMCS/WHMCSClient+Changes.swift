/// Cancellation requests and upgrades of a client's services.
extension WHMCSClient {
    /// AddCancelRequest. WHMCS keeps one request per service, so asking again (after a lost answer) finds the first
    /// and counts as done.
    package func requestCancellation(serviceID: Int, immediate: Bool, reason: String) async throws {
        let fields: [(String, PHPFormValue)] = [
            ("serviceid", .scalar(String(serviceID))),
            ("type", .scalar(immediate ? "Immediate" : "End of Billing Period")),
            ("reason", .scalar(reason)),
        ]
        do {
            _ = try await perform("AddCancelRequest", fields, safety: .safe)
        } catch UpstreamError.apiError(_, _, let message) where message.contains("Existing Cancellation Request") {
            return
        }
    }

    /// UpgradeProduct with `calconly`: what moving the service to another product and cycle costs now.
    package func upgradeQuote(serviceID: Int, productID: Int, cycle: WHMCSBillingCycle) async throws
        -> WHMCSUpgradeQuote
    {
        let json = try await perform(
            "UpgradeProduct",
            [
                ("serviceid", .scalar(String(serviceID))), ("type", .scalar("product")),
                ("newproductid", .scalar(String(productID))),
                ("newproductbillingcycle", .scalar(cycle.rawValue)), ("calconly", .flag(true)),
            ],
            safety: .safe
        )
        return WHMCSUpgradeQuote(json, currency: currency)
    }

    /// UpdateClientProduct: moves a service to another product and cycle at a new recurring amount. Setting values
    /// may be repeated. (UpgradeProduct would do this through an order, but a stock WHMCS then always emails the
    /// customer its own order confirmation and invoice, with no flag to stop it; the portal bills the change on an
    /// invoice of its own and sends the branded email.)
    package func updateService(serviceID: Int, productID: Int, cycle: WHMCSBillingCycle, recurringMinor: Int64)
        async throws
    {
        _ = try await perform(
            "UpdateClientProduct",
            [
                ("serviceid", .scalar(String(serviceID))), ("pid", .scalar(String(productID))),
                ("billingcycle", .scalar(cycle.displayName)),
                ("recurringamount", .scalar(currency.decimal(recurringMinor))),
            ],
            safety: .safe)
    }
}

/// What an upgrade would cost now (UpgradeProduct with calconly).
package struct WHMCSUpgradeQuote: Sendable, Equatable {
    package var oldProductName: String
    package var newProductName: String
    package var daysUntilRenewal: Int
    package var totalDays: Int
    package var priceMinor: Int64

    init(_ json: LenientJSON, currency: Currency) {
        oldProductName = json["oldproductname"]?.string ?? ""
        newProductName = json["newproductname"]?.string ?? ""
        daysUntilRenewal = json["daysuntilrenewal"]?.int ?? 0
        totalDays = json["totaldays"]?.int ?? 0
        // Formatted for display with the client's currency, such as "$-8.67 USD" (CONTRACTS.md, Corrections).
        priceMinor = json["price"]?.formattedMinorUnits(in: currency) ?? 0
    }
}
