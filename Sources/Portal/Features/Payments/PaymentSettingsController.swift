import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Tenancy

/// `/admin/payments` (owner only): the brand's own Stripe account (secret, publishable and webhook signing keys,
/// sealed at rest and shown by their last four characters), the WHMCS gateway its payments are recorded under,
/// a "Test connection" button, and how the brand states tax. Without Stripe, customers pay through WHMCS.
struct PaymentSettingsController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let secrets: SecretBox
    let realm: @Sendable (Tenant) -> any AccountRealm
    let storefront: StorefrontService
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.payments.route, use: show)
        group.post(AdminPaths.payments.route, use: save)
        group.post(AdminPaths.paymentsTest.route, use: test)
        group.post(AdminPaths.paymentsDisconnect.route, use: disconnect)
        group.post(AdminPaths.paymentsCurrency.route, use: changeCurrency)
    }

    /// What the form posted.
    struct Input: Sendable {
        var secretKey = ""
        var publishableKey = ""
        var webhookSecret = ""
        var gateway = "stripe"
        var apiURL = TenantUpstreams.stripeLiveURL
        var pricesIncludeTax = false
        var taxName = "VAT"
        var secondTaxName = "Tax"

        init() {}

        init(form: FormData) {
            secretKey = form.trimmed("secret_key")
            publishableKey = form.trimmed("publishable_key")
            webhookSecret = form.trimmed("webhook_secret")
            gateway = form.trimmed("gateway")
            apiURL = form.trimmed("api_url")
            pricesIncludeTax = form["prices_include_tax"] == "1"
            taxName = form.trimmed("tax_name")
            secondTaxName = form.trimmed("tax_name2")
        }
    }

    /// Field errors for `input`, given what is stored (an empty secret keeps the stored one).
    static func problems(_ input: Input, stored: StripeAccount?, mode: IntegrationSettings.Mode) -> [String: String] {
        var errors: [String: String] = [:]
        let connecting =
            !input.secretKey.isEmpty || !input.publishableKey.isEmpty || !input.webhookSecret.isEmpty || stored != nil
        func wellFormed(_ key: String) -> Bool {
            (20...255).contains(key.count) && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
        if connecting {
            if input.secretKey.isEmpty, stored == nil {
                errors["secret_key"] = "Paste the secret key from Stripe (Developers › API keys)."
            } else if !input.secretKey.isEmpty,
                !["sk_live_", "sk_test_", "rk_live_", "rk_test_"].contains(where: input.secretKey.hasPrefix)
                    || !wellFormed(input.secretKey)
            {
                errors["secret_key"] = "This is not a Stripe secret key: it starts with sk_live_ or sk_test_."
            }
            if !["pk_live_", "pk_test_"].contains(where: input.publishableKey.hasPrefix)
                || !wellFormed(input.publishableKey)
            {
                errors["publishable_key"] = "Paste the publishable key: it starts with pk_live_ or pk_test_."
            } else if !input.secretKey.isEmpty, errors["secret_key"] == nil,
                input.secretKey.contains("_live_") != input.publishableKey.hasPrefix("pk_live_")
            {
                errors["publishable_key"] =
                    "The two keys are from different modes: use both live keys or both test keys."
            }
            if input.webhookSecret.isEmpty, stored == nil {
                errors["webhook_secret"] =
                    "Paste the signing secret of the webhook endpoint below (Developers › Webhooks); it starts with whsec_."
            } else if !input.webhookSecret.isEmpty,
                !input.webhookSecret.hasPrefix("whsec_") || !wellFormed(input.webhookSecret)
            {
                errors["webhook_secret"] = "This is not a webhook signing secret: it starts with whsec_."
            }
            if input.gateway.isEmpty || input.gateway.count > 64
                || !input.gateway.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
            {
                errors["gateway"] =
                    "Enter the WHMCS gateway's system name in lower case, such as stripe (Setup › Payments › Payment Gateways)."
            }
            if input.apiURL != TenantUpstreams.stripeLiveURL,
                let problem = TenantUpstreams.urlProblem(input.apiURL, mode: mode)
            {
                errors["api_url"] =
                    mode == .live ? "Live brands use Stripe itself: \(TenantUpstreams.stripeLiveURL)." : problem
            }
        }
        for (field, name) in [("tax_name", input.taxName), ("tax_name2", input.secondTaxName)] {
            if name.isEmpty || name.count > 40
                || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            {
                errors[field] = "Give the tax a short name, such as VAT or GST (at most 40 characters)."
            }
        }
        return errors
    }

    private func page(
        _ context: StaffRequestContext, input: Input? = nil, errors: [String: String] = [:], notice: Notice? = nil
    ) async throws -> PaymentSettingsPage {
        let (stored, tax, orders, currency) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.payments.stripeAccount(), try await TaxSettings.load(database),
                try await database.orders.count(), try await database.storefront().brand.currency
            )
        }
        var shown = input ?? Input()
        if input == nil {
            shown.publishableKey = stored?.publishableKey ?? ""
            shown.gateway = stored?.gateway ?? "stripe"
            shown.apiURL = stored?.baseURL ?? TenantUpstreams.stripeLiveURL
            shown.pricesIncludeTax = tax.pricesIncludeTax
            shown.taxName = tax.name
            shown.secondTaxName = tax.secondName
        }
        let host = realm(context.tenant).linkHost
        return PaymentSettingsPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, connected: stored != nil,
            secretLast4: stored?.secretKeyLast4 ?? "", webhookLast4: stored?.webhookSecretLast4 ?? "",
            publishableKey: shown.publishableKey, gateway: shown.gateway, apiURL: shown.apiURL,
            webhookURL: flows.services.link(primaryHost: host, path: "/webhooks/stripe"),
            checked: stored?.checkedAt.map { DisplayCalendar.longDate($0, in: TimeZone(identifier: "UTC")!) } ?? "",
            pricesIncludeTax: shown.pricesIncludeTax, taxName: shown.taxName, secondTaxName: shown.secondTaxName,
            currency: currency, currencyLocked: orders > 0, errors: errors)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "saved": .success("Payment settings saved. Use “Test connection” to check the keys.")
            case "disconnected": .success("Stripe is disconnected: customers now pay through WHMCS.")
            case "currency":
                .success("The currency is changed and every price converted. Check the catalogue's prices.")
            default: nil
            }
        return try flows.page(try await page(context, notice: notice), "admin/payments")
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        let input = Input(form: form)
        let (stored, settings) = try await databases.withDatabase(for: context.tenant) { database in
            (try await database.payments.stripeAccount(), try await database.upstreams.settings())
        }
        let errors = Self.problems(input, stored: stored, mode: settings.mode)
        guard errors.isEmpty else {
            return try flows.page(
                try await page(
                    context, input: input, errors: errors,
                    notice: .error("Nothing was saved: correct the fields marked below.")),
                "admin/payments", status: .unprocessableContent)
        }
        let tenant = context.tenant
        func seal(_ secret: String, _ field: String) throws -> Data {
            try secrets.seal(secret, context: TenantUpstreams.context(tenant, field))
        }
        let connecting = !input.secretKey.isEmpty || !input.publishableKey.isEmpty || stored != nil
        var account: StripeAccount?
        if connecting {
            account = StripeAccount(
                secretKey: input.secretKey.isEmpty
                    ? stored!.secretKey : try seal(input.secretKey, TenantUpstreams.stripeSecretField),
                secretKeyLast4: input.secretKey.isEmpty ? stored!.secretKeyLast4 : String(input.secretKey.suffix(4)),
                publishableKey: input.publishableKey,
                webhookSecret: input.webhookSecret.isEmpty
                    ? stored!.webhookSecret : try seal(input.webhookSecret, TenantUpstreams.stripeWebhookField),
                webhookSecretLast4: input.webhookSecret.isEmpty
                    ? stored!.webhookSecretLast4 : String(input.webhookSecret.suffix(4)),
                gateway: input.gateway, baseURL: input.apiURL.isEmpty ? TenantUpstreams.stripeLiveURL : input.apiURL,
                checkedAt: nil, updatedAt: now())
        }
        let saved = account
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.setSettings(
                [
                    (TaxSettings.includedKey, input.pricesIncludeTax ? "1" : "0"), (TaxSettings.nameKey, input.taxName),
                    (TaxSettings.secondNameKey, input.secondTaxName),
                ],
                audit: "payments.tax_updated", actor: context.staff,
                detail: input.pricesIncludeTax ? "prices include \(input.taxName)" : "prices exclude \(input.taxName)",
                ip: context.origin.clientAddress ?? "")
            if let saved {
                try await database.payments.saveStripeAccount(
                    saved, actor: context.staff, ip: context.origin.clientAddress ?? "")
            }
        }
        return flows.redirect(to: AdminPaths.payments.link() + "?done=saved")
    }

    /// One harmless call with the stored key (`GET /v1/balance`). Owners see whether Stripe accepted it; a failure
    /// to connect names only the address, never what the network said.
    @Sendable func test(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let notice: Notice
        do {
            guard let stripe = try await upstreams.stripe(for: context.tenant) else {
                return try flows.page(
                    try await page(context, notice: .error("Save the Stripe keys first.")), "admin/payments",
                    status: .conflict)
            }
            try await stripe.client.checkConnection()
            try await databases.withDatabase(for: context.tenant) {
                try await $0.payments.markStripeChecked(at: now())
            }
            notice = .success("Stripe accepted the secret key …\(stripe.account.secretKeyLast4).")
        } catch UpstreamError.authenticationFailed {
            notice = .error("Stripe refused the secret key. Copy it again from Developers › API keys.")
        } catch UpstreamSettingsError.sandboxDisabled {
            notice = .error("This server does not run sandbox simulators; use Stripe's own address.")
        } catch {
            let host =
                (try? await databases.withDatabase(for: context.tenant) {
                    try await $0.payments.stripeAccount()
                })??.baseURL ?? TenantUpstreams.stripeLiveURL
            notice = .error("Could not connect to \(URLComponents(string: host)?.host ?? host). Try again shortly.")
        }
        return try flows.page(try await page(context, notice: notice), "admin/payments")
    }

    /// Changes the brand's currency while it has no orders: checked against WHMCS's currencies, with every price
    /// and the platform's cost floor converted at WHMCS's rates. Refused with the reason once an order exists.
    @Sendable func changeCurrency(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        let code = form.trimmed("currency").uppercased()
        let refuse = { (message: String, status: HTTPResponse.Status) in
            try flows.page(
                try await page(
                    context, errors: ["currency": message],
                    notice: .error("The currency was not changed: see the reason below.")),
                "admin/payments", status: status)
        }
        guard Currency.isWellFormed(code) else {
            return try await refuse(
                "Enter a three-letter currency code, such as GBP, USD or JPY.", .unprocessableContent)
        }
        let (current, orders) = try await databases.withDatabase(for: context.tenant) { database in
            (try await database.storefront().brand.currency, try await database.orders.count())
        }
        guard orders == 0 else {
            return try await refuse(
                "Your brand has \(orders) order\(orders == 1 ? "" : "s") in \(current): customers are billed in it, "
                    + "so the currency cannot change any more.", .conflict)
        }
        guard code != current else { return flows.redirect(to: AdminPaths.payments.link()) }
        let currencies: [WHMCSCurrency]
        do {
            currencies = try await upstreams.whmcs(for: context.tenant).client.currencyRates()
        } catch {
            return try await refuse(
                "WHMCS could not be asked for its currencies just now; try again shortly.", .serviceUnavailable)
        }
        guard let target = currencies.first(where: { $0.code == code }) else {
            return try await refuse(
                "WHMCS has no \(code) currency (it has \(currencies.map(\.code).joined(separator: ", "))); add it in "
                    + "WHMCS (Setup › Payments › Currencies) first.", .unprocessableContent)
        }
        let sourceRate = currencies.first { $0.code == current }?.rate ?? 1
        let factor = target.rate / (sourceRate > 0 ? sourceRate : 1)
        let (from, to) = (Currency(current), Currency(code))
        @Sendable func convert(_ minor: Int64, _ mode: NSDecimalNumber.RoundingMode) -> Int64 {
            var value = Decimal(minor) / Decimal(from.scale) * factor * Decimal(to.scale)
            // Thousandths go in tens (WHMCS keeps two decimals; Stripe wants a trailing zero).
            let step: Decimal = to.decimals > 2 ? 10 : 1
            value /= step
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 0, mode)
            return NSDecimalNumber(decimal: rounded * step).int64Value
        }
        let rates = ExchangeRates.encode(Dictionary(currencies.map { ($0.code, $0.rate) }) { first, _ in first })
        let (staff, ip, now) = (context.staff, context.origin.clientAddress ?? "", now())
        do {
            try await databases.withDatabase(for: context.tenant) { database in
                try await CurrencyChange.apply(
                    database, to: code, rates: rates, ratesKey: ExchangeRates.settingKey,
                    convert: { convert($0, .plain) }, convertCost: { convert($0, .up) },
                    audit: { db in
                        try AccountStore.appendAudit(
                            db, "brand.currency_changed", actor: staff, target: "brand",
                            detail: "\(current) → \(code) at \(factor)", ip: ip, now: now)
                    }, now: now)
            }
        } catch CurrencyChange.Refusal.hasOrders(let count) {
            return try await refuse(
                "Your brand has \(count) order\(count == 1 ? "" : "s") in \(current): the currency cannot change any more.",
                .conflict)
        }
        storefront.invalidate(context.tenant)
        return flows.redirect(to: AdminPaths.payments.link() + "?done=currency")
    }

    @Sendable func disconnect(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        try await databases.withDatabase(for: context.tenant) {
            try await $0.payments.removeStripeAccount(
                actor: context.staff, ip: context.origin.clientAddress ?? "", now: now())
        }
        return flows.redirect(to: AdminPaths.payments.link() + "?done=disconnected")
    }
}

/// `/admin/payments`.
struct PaymentSettingsPage: Sendable {
    let chrome: StorefrontChrome
    let csrf: String
    var notice: Notice?
    let connected: Bool
    let secretLast4: String
    let webhookLast4: String
    let publishableKey: String
    let gateway: String
    let apiURL: String
    let webhookURL: String
    let checked: String
    let pricesIncludeTax: Bool
    let taxName: String
    let secondTaxName: String
    let currency: String
    /// The brand has orders: its currency can no longer change.
    let currencyLocked: Bool
    let errors: [String: String]
}
