/// Orders, products and services.
extension WHMCSClient {
    /// AddOrder for one client, always created pending (CONTRACTS.md §1.5). AddOrder has no idempotency key, so
    /// before the first attempt the client's newest order id is noted; after a lost answer, an order newer than
    /// that with the same products is taken as ours. This assumes one writer places a given client's orders at a
    /// time, which the portal's per-tenant order pipeline guarantees.
    ///
    /// A caller that stored the baseline before a crash passes it as `baseline`: an order placed before the crash
    /// is then found and returned without placing another. `claimed` are orders that belong to other requests and
    /// are never taken as this one.
    package func addOrder(
        clientID: Int, items: [WHMCSOrderItem], domains registrations: [WHMCSDomainOrder] = [], paymentMethod: String,
        promoCode: String? = nil, nameservers: [String] = [], baseline known: Int? = nil, claimed: Set<Int> = []
    ) async throws -> WHMCSPlacedOrder {
        let baseline: Int
        if let known {
            baseline = known
        } else {
            baseline = try await orders(clientID: clientID, page: .init(start: 0, size: 1)).items.first?.id ?? 0
        }
        // WHMCS's order confirmation and invoice emails never reach the customer: the portal sends branded ones.
        var fields: [(String, PHPFormValue)] = [
            ("clientid", .scalar(String(clientID))), ("paymentmethod", .scalar(paymentMethod)),
            ("noemail", .flag(true)), ("noinvoiceemail", .flag(true)),
            ("pid", .list(items.map { .scalar(String($0.productID)) })),
            ("billingcycle", .list(items.map { .scalar($0.billingCycle.rawValue) })),
            ("domain", .list(items.map { .scalar($0.domain ?? "") } + registrations.map { .scalar($0.domain) })),
        ]
        if !registrations.isEmpty {
            // Per-domain arrays share the indexes of `domain[]`: blank for the product lines, then one per registration.
            let blanks = [PHPFormValue](repeating: .scalar(""), count: items.count)
            fields.append(("domaintype", .list(blanks + registrations.map { .scalar($0.kind.rawValue) })))
            fields.append(("regperiod", .list(blanks + registrations.map { .scalar(String($0.years)) })))
            if registrations.contains(where: { $0.priceOverrideMinor != nil }) {
                fields.append(
                    (
                        "domainpriceoverride",
                        .list(blanks + registrations.map { .scalar($0.priceOverrideMinor.map(currency.decimal) ?? "") })
                    ))
            }
        }
        if items.contains(where: { $0.priceOverrideMinor != nil }) {
            fields.append(
                ("priceoverride", .list(items.map { .scalar($0.priceOverrideMinor.map(currency.decimal) ?? "") })))
        }
        if items.contains(where: { !$0.configOptions.isEmpty }) {
            fields.append(
                (
                    "configoptions",
                    .list(items.map { .scalar($0.configOptions.isEmpty ? "" : $0.configOptions.phpSerializedBase64) })
                ))
        }
        if items.contains(where: { !$0.customFields.isEmpty }) {
            fields.append(
                (
                    "customfields",
                    .list(items.map { .scalar($0.customFields.isEmpty ? "" : $0.customFields.phpSerializedBase64) })
                ))
        }
        for (index, nameserver) in nameservers.prefix(5).enumerated() {
            fields.append(("nameserver\(index + 1)", .scalar(nameserver)))
        }
        if let promoCode, !promoCode.isEmpty { fields.append(("promocode", .scalar(promoCode))) }
        // GetOrders' line items name no product id, so an order is recognised by its lines' domains and cycles.
        let signature = items.map { "\($0.domain ?? "")|\($0.billingCycle.rawValue)" }.sorted()
        let find: @Sendable () async throws -> LenientJSON? = {
            let recent = try await self.orders(clientID: clientID, page: .init(start: 0, size: 25)).items
            let domainNames = registrations.map(\.domain).sorted()
            guard
                let placed = recent.reversed().first(where: { order in
                    let registered = order.lineItems.filter { $0.type == "domain" }.map(\.domain).sorted()
                    guard registered == domainNames else { return false }
                    let lines = order.lineItems.filter { $0.type == "product" }.map { line in
                        "\(line.domain)|\(line.billingCycle.lowercased().replacingOccurrences(of: "-", with: ""))"
                    }
                    return order.id > baseline && !claimed.contains(order.id) && lines.sorted() == signature
                })
            else { return nil }
            let services = placed.lineItems.filter { $0.type == "product" }.map(\.relatedID)
            let domainIDs = placed.lineItems.filter { $0.type == "domain" }.map(\.relatedID)
            return .object([
                "result": .string("success"), "orderid": .string(String(placed.id)),
                "serviceids": .string(services.map(String.init).joined(separator: ",")),
                "domainids": .string(domainIDs.map(String.init).joined(separator: ",")),
                "invoiceid": .string(String(placed.invoiceID ?? 0)),
            ])
        }
        if known != nil, let found = try await find() { return try WHMCSPlacedOrder(found) }
        let json = try await perform("AddOrder", fields, safety: .lookUpFirst, lookUp: find)
        return try WHMCSPlacedOrder(json)
    }

    /// AcceptOrder, optionally running the module create, never with WHMCS's own welcome emails (the portal sends
    /// its branded ones). After a lost answer the order is looked up: an order that is no longer pending was
    /// accepted.
    package func acceptOrder(id: Int, autoSetup: Bool = true) async throws {
        let fields: [(String, PHPFormValue)] = [
            ("orderid", .scalar(String(id))), ("autosetup", .flag(autoSetup)), ("sendemail", .flag(false)),
        ]
        _ = try await perform("AcceptOrder", fields, safety: .lookUpFirst) {
            guard let order = try await self.order(id: id), order.status == "Active" else { return nil }
            return .object(["result": .string("success")])
        }
    }

    /// GetOrders for one client, newest first.
    package func orders(clientID: Int? = nil, status: String? = nil, page: WHMCSPageRequest = .init()) async throws
        -> WHMCSPage<WHMCSOrder>
    {
        var fields = Self.paging(page)
        if let clientID { fields.append(("userid", .scalar(String(clientID)))) }
        if let status { fields.append(("status", .scalar(status))) }
        let json = try await perform("GetOrders", fields, safety: .safe)
        return Self.page(json, outer: "orders", inner: "order", { WHMCSOrder($0, currency: currency) })
    }

    /// GetOrders by id; nil when there is none.
    package func order(id: Int) async throws -> WHMCSOrder? {
        let json = try await perform("GetOrders", [("id", .scalar(String(id)))], safety: .safe)
        return Self.page(json, outer: "orders", inner: "order", { WHMCSOrder($0, currency: currency) }).items.first {
            $0.id == id
        }
    }

    /// GetProducts, optionally for some product ids or one product group.
    package func products(ids: [Int] = [], groupID: Int? = nil) async throws -> [WHMCSProduct] {
        var fields: [(String, PHPFormValue)] = []
        if !ids.isEmpty { fields.append(("pid", .scalar(ids.map(String.init).joined(separator: ",")))) }
        if let groupID { fields.append(("gid", .scalar(String(groupID)))) }
        let json = try await perform("GetProducts", fields, safety: .safe)
        return (json["products"]?["product"]?.elements ?? []).map { WHMCSProduct($0, currency: currency) }
    }

    /// AddProduct (an admin action). After a lost answer the group is searched for a product with the same slug,
    /// so a retry never adds the product twice. The documented example answers with no `pid` at all, so an answer
    /// without one is resolved by the slug too.
    package func addProduct(_ product: WHMCSNewProduct) async throws -> Int {
        let find: @Sendable () async throws -> LenientJSON? = {
            guard !product.slug.isEmpty,
                let found = try await self.product(slug: product.slug, groupID: product.groupID)
            else { return nil }
            return .object(["result": .string("success"), "pid": .string(String(found.id))])
        }
        let json = try await perform(
            "AddProduct", Self.productFields(product, money: currency), safety: .lookUpFirst, lookUp: find)
        if json["pid"] == nil, let found = try await find() { return try Self.int(found, "pid", action: "AddProduct") }
        return try Self.int(json, "pid", action: "AddProduct")
    }

    /// The product with `slug` in a product group, if any.
    package func product(slug: String, groupID: Int) async throws -> WHMCSProduct? {
        try await products(groupID: groupID).first { $0.slug == slug }
    }

    static func productFields(_ product: WHMCSNewProduct, money: Currency) -> [(String, PHPFormValue)] {
        var fields: [(String, PHPFormValue)] = [
            ("name", .scalar(product.name)), ("gid", .scalar(String(product.groupID))), ("type", .scalar(product.type)),
            ("paytype", .scalar(product.payType)), ("hidden", .flag(product.hidden)),
        ]
        if !product.slug.isEmpty { fields.append(("slug", .scalar(product.slug))) }
        if !product.description.isEmpty { fields.append(("description", .scalar(product.description))) }
        if !product.module.isEmpty { fields.append(("module", .scalar(product.module))) }
        if !product.autoSetup.isEmpty { fields.append(("autosetup", .scalar(product.autoSetup))) }
        // AddProduct reads configoption1 to configoption6 only (CONTRACTS.md, Corrections).
        for (index, option) in product.configOptions.prefix(WHMCSNewProduct.maximumConfigOptions).enumerated() {
            fields.append(("configoption\(index + 1)", .scalar(option)))
        }
        let currencies = Set(product.pricing.keys).union(product.setupFees.keys).sorted()
        if !currencies.isEmpty {
            fields.append(
                ("pricing", .map(currencies.map { (key: String($0), value: .map(pricing(product, $0, money: money))) }))
            )
        }
        return fields
    }

    /// One currency's AddProduct pricing. WHMCS stores a cycle that is not sent as 0.00, which would offer it free,
    /// so every recurring cycle is sent: its price, or -1.00 when it is not offered. A one-time price goes in the
    /// `monthly` column, as WHMCS keeps it there (CONTRACTS.md, Corrections).
    static func pricing(_ product: WHMCSNewProduct, _ currencyID: Int, money: Currency) -> [(
        key: String, value: PHPFormValue
    )] {
        let prices = product.pricing[currencyID] ?? [:]
        let fees = product.setupFees[currencyID] ?? [:]
        var entries: [(key: String, value: PHPFormValue)] = []
        for cycle in WHMCSBillingCycle.recurring {
            let source: WHMCSBillingCycle = cycle == .monthly && prices[.monthly] == nil ? .oneTime : cycle
            entries.append((cycle.rawValue, .scalar(prices[source].map(money.decimal) ?? "-1.00")))
            if let key = cycle.setupFeeKey {
                entries.append((key, .scalar(money.decimal(prices[source] == nil ? 0 : fees[source] ?? 0))))
            }
        }
        return entries
    }

    /// GetClientsProducts: the services of one client, or one service.
    package func services(clientID: Int? = nil, serviceID: Int? = nil, page: WHMCSPageRequest = .init()) async throws
        -> WHMCSPage<WHMCSService>
    {
        var fields = Self.paging(page)
        if let clientID { fields.append(("clientid", .scalar(String(clientID)))) }
        if let serviceID { fields.append(("serviceid", .scalar(String(serviceID)))) }
        let json = try await perform("GetClientsProducts", fields, safety: .safe)
        return Self.page(json, outer: "products", inner: "product", { WHMCSService($0, currency: currency) })
    }

    /// GetClientsDomains: the domains of one client.
    package func domains(clientID: Int, page: WHMCSPageRequest = .init()) async throws -> WHMCSPage<WHMCSDomain> {
        let json = try await perform(
            "GetClientsDomains", Self.paging(page) + [("clientid", .scalar(String(clientID)))], safety: .safe)
        return Self.page(json, outer: "domains", inner: "domain", { WHMCSDomain($0, currency: currency) })
    }

    /// The provisioning commands; each runs the product's server module for one service.
    package enum ModuleCommand: String, Sendable {
        case create = "ModuleCreate"
        case suspend = "ModuleSuspend"
        case unsuspend = "ModuleUnsuspend"
        case terminate = "ModuleTerminate"
    }

    /// Runs a module command. Suspend and unsuspend set a state and may be repeated; create and terminate
    /// are checked against the service's status after a lost answer.
    package func module(_ command: ModuleCommand, serviceID: Int, reason: String? = nil) async throws {
        var fields: [(String, PHPFormValue)] = [("serviceid", .scalar(String(serviceID)))]
        if command == .suspend, let reason, !reason.isEmpty { fields.append(("suspendreason", .scalar(reason))) }
        let settled: String? =
            switch command {
            case .create: "Active"
            case .terminate: "Terminated"
            case .suspend, .unsuspend: nil
            }
        let safety: RepeatSafety = settled == nil ? .safe : .lookUpFirst
        _ = try await perform(command.rawValue, fields, safety: safety) {
            guard let settled,
                let service = try await self.services(serviceID: serviceID).items.first(where: { $0.id == serviceID }),
                service.status == settled
            else { return nil }
            return .object(["result": .string("success")])
        }
    }
}
