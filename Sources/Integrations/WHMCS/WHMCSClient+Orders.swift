/// Orders, products and services.
extension WHMCSClient {
    /// AddOrder for one client, always created pending (CONTRACTS.md §1.5). AddOrder has no idempotency key, so
    /// before the first attempt the client's newest order id is noted; after a lost answer, an order newer than
    /// that with the same products is taken as ours. This assumes one writer places a given client's orders at a
    /// time, which the portal's per-customer order queue guarantees.
    package func addOrder(
        clientID: Int, items: [WHMCSOrderItem], domains registrations: [WHMCSDomainOrder] = [], paymentMethod: String,
        promoCode: String? = nil, nameservers: [String] = []
    ) async throws -> WHMCSPlacedOrder {
        let baseline = try await orders(clientID: clientID, page: .init(start: 0, size: 1)).items.first?.id ?? 0
        var fields: [(String, PHPFormValue)] = [
            ("clientid", .scalar(String(clientID))), ("paymentmethod", .scalar(paymentMethod)),
            ("pid", .list(items.map { .scalar(String($0.productID)) })),
            ("billingcycle", .list(items.map { .scalar($0.billingCycle.rawValue) })),
            ("domain", .list(items.map { .scalar($0.domain ?? "") } + registrations.map { .scalar($0.domain) })),
        ]
        if !registrations.isEmpty {
            // Per-domain arrays share the indexes of `domain[]`: blank for the product lines, then one per registration.
            let blanks = [PHPFormValue](repeating: .scalar(""), count: items.count)
            fields.append(("domaintype", .list(blanks + registrations.map { .scalar($0.kind.rawValue) })))
            fields.append(("regperiod", .list(blanks + registrations.map { .scalar(String($0.years)) })))
        }
        if items.contains(where: { !$0.configOptions.isEmpty }) {
            fields.append(("configoptions", .list(items.map { .scalar($0.configOptions.isEmpty ? "" : $0.configOptions.phpSerializedBase64) })))
        }
        if items.contains(where: { !$0.customFields.isEmpty }) {
            fields.append(("customfields", .list(items.map { .scalar($0.customFields.isEmpty ? "" : $0.customFields.phpSerializedBase64) })))
        }
        for (index, nameserver) in nameservers.prefix(5).enumerated() {
            fields.append(("nameserver\(index + 1)", .scalar(nameserver)))
        }
        if let promoCode, !promoCode.isEmpty { fields.append(("promocode", .scalar(promoCode))) }
        // GetOrders' line items name no product id, so an order is recognised by its lines' domains and cycles.
        let signature = items.map { "\($0.domain ?? "")|\($0.billingCycle.rawValue)" }.sorted()
        let json = try await perform("AddOrder", fields, safety: .lookUpFirst) {
            let recent = try await self.orders(clientID: clientID, page: .init(start: 0, size: 10)).items
            let domainNames = registrations.map(\.domain).sorted()
            guard let placed = recent.first(where: { order in
                let registered = order.lineItems.filter { $0.type == "domain" }.map(\.domain).sorted()
                guard registered == domainNames else { return false }
                let lines = order.lineItems.filter { $0.type == "product" }.map { line in
                    "\(line.domain)|\(line.billingCycle.lowercased().replacingOccurrences(of: "-", with: ""))"
                }
                return order.id > baseline && lines.sorted() == signature
            }) else { return nil }
            let services = placed.lineItems.filter { $0.type == "product" }.map(\.relatedID)
            let domainIDs = placed.lineItems.filter { $0.type == "domain" }.map(\.relatedID)
            return .object([
                "result": .string("success"), "orderid": .string(String(placed.id)),
                "serviceids": .string(services.map(String.init).joined(separator: ",")),
                "domainids": .string(domainIDs.map(String.init).joined(separator: ",")),
                "invoiceid": .string(String(placed.invoiceID ?? 0)),
            ])
        }
        return try WHMCSPlacedOrder(json)
    }

    /// AcceptOrder, optionally running the module create. After a lost answer the order is looked up: an order
    /// that is no longer pending was accepted.
    package func acceptOrder(id: Int, autoSetup: Bool = true, sendEmail: Bool = false) async throws {
        let fields: [(String, PHPFormValue)] = [
            ("orderid", .scalar(String(id))), ("autosetup", .scalar(autoSetup ? "true" : "false")),
            ("sendemail", .scalar(sendEmail ? "true" : "false")),
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
        return Self.page(json, outer: "orders", inner: "order", WHMCSOrder.init)
    }

    /// GetOrders by id; nil when there is none.
    package func order(id: Int) async throws -> WHMCSOrder? {
        let json = try await perform("GetOrders", [("id", .scalar(String(id)))], safety: .safe)
        return Self.page(json, outer: "orders", inner: "order", WHMCSOrder.init).items.first { $0.id == id }
    }

    /// GetProducts, optionally for some product ids or one product group.
    package func products(ids: [Int] = [], groupID: Int? = nil) async throws -> [WHMCSProduct] {
        var fields: [(String, PHPFormValue)] = []
        if !ids.isEmpty { fields.append(("pid", .scalar(ids.map(String.init).joined(separator: ",")))) }
        if let groupID { fields.append(("gid", .scalar(String(groupID)))) }
        let json = try await perform("GetProducts", fields, safety: .safe)
        return (json["products"]?["product"]?.elements ?? []).map(WHMCSProduct.init)
    }

    /// AddProduct (an admin action). Not repeated: a lost answer is reported, never guessed.
    package func addProduct(_ product: WHMCSNewProduct) async throws -> Int {
        var fields: [(String, PHPFormValue)] = [
            ("name", .scalar(product.name)), ("gid", .scalar(String(product.groupID))), ("type", .scalar(product.type)),
            ("paytype", .scalar(product.payType)),
        ]
        if !product.description.isEmpty { fields.append(("description", .scalar(product.description))) }
        if !product.module.isEmpty { fields.append(("module", .scalar(product.module))) }
        if !product.pricing.isEmpty {
            let currencies = product.pricing.sorted { $0.key < $1.key }.map { currency, cycles in
                (
                    key: String(currency),
                    value: PHPFormValue.map(cycles.sorted { $0.key.rawValue < $1.key.rawValue }.map { cycle, minor in
                        (key: cycle.rawValue, value: .scalar(Money.decimal(minor)))
                    })
                )
            }
            fields.append(("pricing", .map(currencies)))
        }
        let json = try await perform("AddProduct", fields, safety: .once)
        return try Self.int(json, "pid", action: "AddProduct")
    }

    /// GetClientsProducts: the services of one client, or one service.
    package func services(clientID: Int? = nil, serviceID: Int? = nil, page: WHMCSPageRequest = .init()) async throws
        -> WHMCSPage<WHMCSService>
    {
        var fields = Self.paging(page)
        if let clientID { fields.append(("clientid", .scalar(String(clientID)))) }
        if let serviceID { fields.append(("serviceid", .scalar(String(serviceID)))) }
        let json = try await perform("GetClientsProducts", fields, safety: .safe)
        return Self.page(json, outer: "products", inner: "product", WHMCSService.init)
    }

    /// GetClientsDomains: the domains of one client.
    package func domains(clientID: Int, page: WHMCSPageRequest = .init()) async throws -> WHMCSPage<WHMCSDomain> {
        let json = try await perform("GetClientsDomains", Self.paging(page) + [("clientid", .scalar(String(clientID)))], safety: .safe)
        return Self.page(json, outer: "domains", inner: "domain", WHMCSDomain.init)
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
