import Foundation

/// Where and with which secret key the portal calls one brand's own Stripe account.
package struct StripeCredentials: Sendable, Equatable {
    /// `https://api.stripe.com` live; the simulator's address in sandbox mode.
    package var baseURL: String
    /// `sk_live_…` or `sk_test_…`, sent as a Bearer token.
    package var secretKey: String

    package init(baseURL: String = "https://api.stripe.com", secretKey: String) {
        self.baseURL = baseURL
        self.secretKey = secretKey
    }

    func url(_ path: String) -> String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/v1" + path
    }
}

/// A Checkout Session to create: one line for one invoice's balance.
package struct StripeCheckoutRequest: Sendable, Equatable {
    package var currency: Currency
    /// In the currency's ISO minor unit; converted to Stripe's unit when sent.
    package var amountMinor: Int64
    package var description: String
    /// The WHMCS invoice id: `client_reference_id` and `metadata[invoice_id]`.
    package var invoiceID: Int
    package var customerEmail: String?
    /// May contain `{CHECKOUT_SESSION_ID}`, which Stripe fills in.
    package var successURL: String
    package var cancelURL: String
    /// Extra `metadata[…]` pairs (the brand, the account).
    package var metadata: [String: String] = [:]

    package init(
        currency: Currency, amountMinor: Int64, description: String, invoiceID: Int, customerEmail: String?,
        successURL: String, cancelURL: String
    ) {
        self.currency = currency
        self.amountMinor = amountMinor
        self.description = description
        self.invoiceID = invoiceID
        self.customerEmail = customerEmail
        self.successURL = successURL
        self.cancelURL = cancelURL
    }
}

/// A Checkout Session as Stripe returns it.
package struct StripeCheckoutSession: Sendable, Equatable {
    package var id: String
    package var url: String
    /// `open`, `complete` or `expired`.
    package var status: String
    /// `paid`, `unpaid` or `no_payment_required`.
    package var paymentStatus: String
    package var paymentIntent: String?
    /// In Stripe's unit for the currency.
    package var amountTotal: Int64
    package var currency: String
    package var clientReferenceID: String
    package var metadata: [String: String]
    /// With `payment_intent` expanded: its status and the message of its last failed attempt (a decline).
    package var paymentIntentStatus: String?
    package var lastPaymentError: String?

    package init(_ json: LenientJSON) {
        id = json["id"]?.string ?? ""
        url = json["url"]?.string ?? ""
        status = json["status"]?.string ?? ""
        paymentStatus = json["payment_status"]?.string ?? ""
        // Expanded or not: an id string, or an object with one.
        paymentIntent = json["payment_intent"]?.string ?? json["payment_intent"]?["id"]?.string
        amountTotal = Int64(json["amount_total"]?.int ?? 0)
        currency = json["currency"]?.string ?? ""
        clientReferenceID = json["client_reference_id"]?.string ?? ""
        paymentIntentStatus = json["payment_intent"]?["status"]?.string
        lastPaymentError = json["payment_intent"]?["last_payment_error"]?["message"]?.string
        var metadata: [String: String] = [:]
        if case .object(let pairs) = json["metadata"] ?? .null {
            for (key, value) in pairs { metadata[key] = value.string }
        }
        self.metadata = metadata
    }
}

/// A refund as Stripe returns it.
package struct StripeRefund: Sendable, Equatable {
    package var id: String
    /// In Stripe's unit for the currency.
    package var amount: Int64
    package var currency: String
    /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
    package var status: String
    package var paymentIntent: String

    init(_ json: LenientJSON) {
        id = json["id"]?.string ?? ""
        amount = Int64(json["amount"]?.int ?? 0)
        currency = json["currency"]?.string ?? ""
        status = json["status"]?.string ?? ""
        paymentIntent = json["payment_intent"]?.string ?? ""
    }
}

/// Stripe's REST API for one brand's own account (CONTRACTS.md §5): form-encoded bodies with bracket keys, Bearer
/// secret key, an `Idempotency-Key` on every POST (so a retry after a lost answer is the same request, never a second
/// charge or refund), and errors as 4xx with `{"error":{type,code,message,param}}`.
package struct StripeClient: Sendable {
    package let credentials: StripeCredentials
    let caller: UpstreamCaller

    package init(credentials: StripeCredentials, caller: UpstreamCaller) {
        self.credentials = credentials
        self.caller = caller
    }

    func perform(
        _ method: UpstreamRequest.Method, _ path: String, action: String, form: [(String, String)] = [],
        idempotencyKey: String? = nil
    ) async throws -> LenientJSON {
        let credentials = self.credentials
        let body = form.isEmpty ? nil : Data(Self.formEncode(form).utf8)
        return try await caller.call(
            action: action,
            // A POST carries its idempotency key, so Stripe answers a repeat with the first result.
            safety: .safe,
            request: {
                var headers = [
                    ("Authorization", "Bearer \(credentials.secretKey)"), ("Accept", "application/json"),
                ]
                if body != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
                if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
                return UpstreamRequest(method: method, url: credentials.url(path), headers: headers, body: body)
            },
            decode: { try Self.decode($0, action: action) }
        )
    }

    /// `application/x-www-form-urlencoded`, keys kept as given (brackets included, percent-encoded as Stripe's own
    /// libraries send them).
    static func formEncode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    /// 2xx: the object. 401: the key was refused. Other 4xx: Stripe's message (and code). 5xx: a bad status.
    static func decode(_ response: UpstreamResponse, action: String) throws -> LenientJSON {
        let json = try? LenientJSON(data: response.body)
        let error = json?["error"]
        let message = error?["message"]?.string ?? "refused with HTTP \(response.status)"
        switch response.status {
        case 200..<300:
            guard let json, case .object = json else {
                throw UpstreamError.malformedResponse(.stripe, action: action, detail: "not a JSON object")
            }
            return json
        case 401, 403: throw UpstreamError.authenticationFailed(.stripe, message: message)
        case 400..<500:
            let code = error?["decline_code"]?.string ?? error?["code"]?.string
            throw UpstreamError.apiError(.stripe, action: action, message: code.map { "\(message) (\($0))" } ?? message)
        default: throw UpstreamError.badStatus(.stripe, action: action, status: response.status)
        }
    }

    /// A harmless authenticated call: `GET /v1/balance` reads the account's balance and changes nothing.
    package func checkConnection() async throws {
        let json = try await perform(.get, "/balance", action: "balance")
        guard json["object"]?.string == "balance" else {
            throw UpstreamError.malformedResponse(.stripe, action: "balance", detail: "not a balance object")
        }
    }

    /// `POST /v1/checkout/sessions` in payment mode, for exactly `request.amountMinor`, with the invoice as reference.
    /// `idempotencyKey` makes a repeat (a double click, a retry) return the same session.
    package func createCheckoutSession(_ request: StripeCheckoutRequest, idempotencyKey: String) async throws
        -> StripeCheckoutSession
    {
        var form: [(String, String)] = [
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", request.currency.code.lowercased()),
            (
                "line_items[0][price_data][unit_amount]",
                String(StripeAmount.toStripe(request.amountMinor, request.currency))
            ),
            ("line_items[0][price_data][product_data][name]", request.description),
            ("line_items[0][quantity]", "1"),
            ("success_url", request.successURL), ("cancel_url", request.cancelURL),
            ("client_reference_id", String(request.invoiceID)),
            ("metadata[invoice_id]", String(request.invoiceID)),
            ("payment_intent_data[metadata][invoice_id]", String(request.invoiceID)),
        ]
        if let email = request.customerEmail, !email.isEmpty { form.append(("customer_email", email)) }
        for key in request.metadata.keys.sorted() {
            form.append(("metadata[\(key)]", request.metadata[key]!))
            form.append(("payment_intent_data[metadata][\(key)]", request.metadata[key]!))
        }
        let json = try await perform(
            .post, "/checkout/sessions", action: "checkout.sessions.create", form: form, idempotencyKey: idempotencyKey)
        let session = StripeCheckoutSession(json)
        guard session.id.hasPrefix("cs_"), !session.url.isEmpty else {
            throw UpstreamError.malformedResponse(.stripe, action: "checkout.sessions.create", detail: "no session url")
        }
        return session
    }

    /// `GET /v1/checkout/sessions/{id}` with `expand[]=payment_intent`, so a decline's reason comes with it.
    package func checkoutSession(id: String) async throws -> StripeCheckoutSession {
        guard id.hasPrefix("cs_"), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw UpstreamError.apiError(.stripe, action: "checkout.sessions.retrieve", message: "not a session id")
        }
        return StripeCheckoutSession(
            try await perform(
                .get, "/checkout/sessions/\(id)?expand%5B%5D=payment_intent", action: "checkout.sessions.retrieve"))
    }

    /// `POST /v1/refunds` for `paymentIntent`: all of it when `amountMinor` is nil, otherwise that much.
    package func createRefund(
        paymentIntent: String, amountMinor: Int64?, currency: Currency, reason: String?, idempotencyKey: String
    ) async throws -> StripeRefund {
        var form: [(String, String)] = [("payment_intent", paymentIntent)]
        if let amountMinor { form.append(("amount", String(StripeAmount.toStripe(amountMinor, currency)))) }
        if let reason { form.append(("reason", reason)) }
        let refund = StripeRefund(
            try await perform(.post, "/refunds", action: "refunds.create", form: form, idempotencyKey: idempotencyKey))
        guard refund.id.hasPrefix("re_") else {
            throw UpstreamError.malformedResponse(.stripe, action: "refunds.create", detail: "no refund id")
        }
        return refund
    }
}

/// Stripe's unit for an amount, which is not always the ISO 4217 minor unit (docs.stripe.com/currencies):
/// - zero-decimal currencies are sent as they are (¥1000 is 1000);
/// - ISK and UGX, zero-decimal in ISO, are sent in hundredths;
/// - BHD, JOD, KWD, OMR and TND are sent in thousandths rounded to a multiple of ten;
/// - LYD and IQD, which ISO gives three decimals, Stripe takes in hundredths;
/// - MGA, which ISO gives two, Stripe takes without decimals.
package enum StripeAmount {
    static let threeDecimal: Set<String> = ["BHD", "JOD", "KWD", "OMR", "TND"]
    static let hundredthsOfZeroDecimal: Set<String> = ["ISK", "UGX"]
    static let zeroDecimal: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF", "XOF", "XPF",
    ]

    /// Decimals Stripe counts for `currency`.
    static func decimals(_ currency: Currency) -> Int {
        if threeDecimal.contains(currency.code) { return 3 }
        if zeroDecimal.contains(currency.code) { return 0 }
        return 2
    }

    /// ISO minor units → Stripe's unit, rounding half up where Stripe is coarser (and to tens for thousandths).
    package static func toStripe(_ minor: Int64, _ currency: Currency) -> Int64 {
        let shift = decimals(currency) - currency.decimals
        var amount = scale(minor, by: shift)
        if threeDecimal.contains(currency.code) { amount = (amount + 5) / 10 * 10 }
        return amount
    }

    /// Stripe's unit → ISO minor units.
    package static func fromStripe(_ amount: Int64, _ currency: Currency) -> Int64 {
        scale(amount, by: currency.decimals - decimals(currency))
    }

    private static func scale(_ value: Int64, by shift: Int) -> Int64 {
        var result = value
        if shift > 0 {
            for _ in 0..<shift { result *= 10 }
        } else if shift < 0 {
            var divisor: Int64 = 1
            for _ in 0..<(-shift) { divisor *= 10 }
            result = (value + divisor / 2) / divisor
        }
        return result
    }
}
