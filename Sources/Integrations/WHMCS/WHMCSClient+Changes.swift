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
        return WHMCSUpgradeQuote(json)
    }

    /// UpgradeProduct: a pending order and its invoice. UpgradeProduct has no idempotency key, so, as for AddOrder,
    /// an upgrade order newer than `baseline` for this service is taken as ours after a lost answer or a crash.
    package func upgrade(
        serviceID: Int, clientID: Int, productID: Int, cycle: WHMCSBillingCycle, paymentMethod: String, baseline: Int,
        claimed: Set<Int>
    ) async throws -> WHMCSPlacedOrder {
        let find: @Sendable () async throws -> LenientJSON? = {
            let recent = try await self.orders(clientID: clientID, page: .init(start: 0, size: 25)).items
            guard
                let placed = recent.reversed().first(where: { order in
                    order.id > baseline && !claimed.contains(order.id)
                        && order.lineItems.contains { $0.type == "upgrade" && $0.relatedID == serviceID }
                })
            else { return nil }
            return .object([
                "result": .string("success"), "orderid": .string(String(placed.id)), "serviceids": "",
                "invoiceid": .string(String(placed.invoiceID ?? 0)),
            ])
        }
        if let found = try await find() { return try WHMCSPlacedOrder(found) }
        let json = try await perform(
            "UpgradeProduct",
            [
                ("serviceid", .scalar(String(serviceID))), ("type", .scalar("product")),
                ("newproductid", .scalar(String(productID))),
                ("newproductbillingcycle", .scalar(cycle.rawValue)), ("paymentmethod", .scalar(paymentMethod)),
            ],
            safety: .lookUpFirst, lookUp: find
        )
        return try WHMCSPlacedOrder(json)
    }
}

/// What an upgrade would cost now (UpgradeProduct with calconly).
package struct WHMCSUpgradeQuote: Sendable, Equatable {
    package var oldProductName: String
    package var newProductName: String
    package var daysUntilRenewal: Int
    package var totalDays: Int
    package var priceMinor: Int64

    init(_ json: LenientJSON) {
        oldProductName = json["oldproductname"]?.string ?? ""
        newProductName = json["newproductname"]?.string ?? ""
        daysUntilRenewal = json["daysuntilrenewal"]?.int ?? 0
        totalDays = json["totaldays"]?.int ?? 0
        // Formatted for display with the client's currency, such as "$-8.67 USD" (CONTRACTS.md, Corrections).
        priceMinor = json["price"]?.formattedMinorUnits ?? 0
    }
}
