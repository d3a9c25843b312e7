import AsyncHTTPClient
import Crypto
import Foundation
import GRDB
import Hummingbird
import NIOCore

/// Stripe's API as its reference documents it (docs.stripe.com/api), for the accounts the sandbox holds:
/// - `Authorization: Bearer sk_test_…`; a wrong key is 401 with an `invalid_request_error`.
/// - Form-encoded bodies with bracket keys (`line_items[0][price_data][currency]`).
/// - `Idempotency-Key` on POST: a repeat returns the first answer; the same key with other parameters is a 400
///   `idempotency_error`.
/// - Errors `{"error":{"type","code","message","param"}}` with 4xx statuses.
/// - A hosted checkout page where card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined
///   (`card_declined`, `generic_decline`) and 4000 0000 0000 9995 has insufficient funds.
/// - Webhook events signed as the signature guide says (`t=…,v1=hex(HMAC-SHA256("t.body"))`), delivered at once
///   and retried with growing gaps until the endpoint answers 2xx or the attempts run out.
///
/// Amounts are in Stripe's unit per currency, which this simulator reads from its own table of Stripe's currency
/// rules (zero-decimal, three-decimal with a trailing zero), not from the portal's.
package final class StripeSimulator: Sendable {
    let store: SandboxStore
    let now: @Sendable () -> Date
    package let address = SimulatorAddress()
    /// Delivery attempts per event, and the first gap between them (doubling after each failure).
    let deliveryAttempts: Int
    let retryDelay: Duration

    package init(
        store: SandboxStore, deliveryAttempts: Int = 6, retryDelay: Duration = .seconds(2),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.deliveryAttempts = deliveryAttempts
        self.retryDelay = retryDelay
        self.now = now
    }

    static let schema = """
        CREATE TABLE stripe_accounts (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            secret_key TEXT NOT NULL UNIQUE,
            publishable_key TEXT NOT NULL,
            webhook_secret TEXT NOT NULL,
            webhook_url TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE stripe_sessions (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL REFERENCES stripe_accounts(id),
            payment_intent TEXT NOT NULL,
            amount INTEGER NOT NULL,
            currency TEXT NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            payment_status TEXT NOT NULL DEFAULT 'unpaid',
            client_reference_id TEXT,
            customer_email TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            success_url TEXT NOT NULL,
            cancel_url TEXT NOT NULL,
            created INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE TABLE stripe_payment_intents (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            amount INTEGER NOT NULL,
            amount_refunded INTEGER NOT NULL DEFAULT 0,
            currency TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'requires_payment_method',
            metadata TEXT NOT NULL DEFAULT '{}',
            last_error_code TEXT,
            last_error_decline TEXT,
            last_error_message TEXT,
            created INTEGER NOT NULL
        );
        CREATE TABLE stripe_refunds (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            payment_intent TEXT NOT NULL,
            amount INTEGER NOT NULL,
            currency TEXT NOT NULL,
            reason TEXT,
            status TEXT NOT NULL,
            created INTEGER NOT NULL
        );
        CREATE TABLE stripe_idempotency (
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (account, key)
        );
        CREATE TABLE stripe_events (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            delivered INTEGER NOT NULL DEFAULT 0,
            last_status INTEGER
        );
        """

    /// The keys of one sandbox Stripe account.
    package struct Account: Sendable, Equatable {
        package var id: String
        package var secretKey: String
        package var publishableKey: String
        package var webhookSecret: String
    }

    /// A Stripe account for `name` (calling it again returns the same keys), its events posted to `webhookURL`.
    package func ensureAccount(_ name: String, webhookURL: String) async throws -> Account {
        try await store.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM stripe_accounts WHERE name = ?", arguments: [name]) {
                try db.execute(
                    sql: "UPDATE stripe_accounts SET webhook_url = ? WHERE name = ?", arguments: [webhookURL, name])
                return Account(
                    id: row["id"], secretKey: row["secret_key"], publishableKey: row["publishable_key"],
                    webhookSecret: row["webhook_secret"])
            }
            let account = Account(
                id: "acct_" + Self.token(16), secretKey: "sk_test_" + Self.token(24),
                publishableKey: "pk_test_" + Self.token(24), webhookSecret: "whsec_" + Self.token(32))
            try db.execute(
                sql: """
                    INSERT INTO stripe_accounts (id, name, secret_key, publishable_key, webhook_secret, webhook_url)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    account.id, name, account.secretKey, account.publishableKey, account.webhookSecret, webhookURL,
                ])
            return account
        }
    }

    static func token(_ length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }

    package func addRoutes(to router: Router<SandboxRequestContext>) {
        router.get("/v1/balance") { request, _ in
            try await self.api(request) { db, account, _ in try self.balance(db, account) }
        }
        router.post("/v1/checkout/sessions") { request, _ in
            try await self.api(request) { try self.createSession($0, $1, $2) }
        }
        router.get("/v1/checkout/sessions/{id}") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await self.api(request) { try self.retrieveSession(id, $0, $1, $2) }
        }
        router.post("/v1/refunds") { request, _ in try await self.api(request) { try self.createRefund($0, $1, $2) } }
        router.get("/pay/{id}") { _, context in try await self.checkoutPage(context.parameters.get("id") ?? "") }
        router.post("/pay/{id}") { request, context in
            try await self.pay(request, session: context.parameters.get("id") ?? "")
        }
    }

    // MARK: API plumbing

    struct Failure: Error {
        var status: HTTPResponse.Status
        var type: String
        var code: String?
        var message: String
        var param: String?
        var declineCode: String?

        var body: JSONValue {
            var error: [String: JSONValue] = ["type": .string(type), "message": .string(message)]
            if let code { error["code"] = .string(code) }
            if let param { error["param"] = .string(param) }
            if let declineCode { error["decline_code"] = .string(declineCode) }
            return ["error": .object(error)]
        }

        static func invalid(_ message: String, code: String? = nil, param: String? = nil) -> Failure {
            Failure(status: .badRequest, type: "invalid_request_error", code: code, message: message, param: param)
        }
    }

    /// Authenticates, applies idempotency to POSTs, runs `body` in one transaction, and writes the answer; events
    /// made by the call are delivered after it commits.
    private func api(
        _ request: Request,
        _ body: @escaping @Sendable (Database, _ account: Row, _ form: [String: String]) throws -> (JSONValue, [String])
    ) async throws -> Response {
        let raw = try await request.body.collect(upTo: 1 << 20)
        let text = String(buffer: raw)
        // Parameters may come in the query (GET) or the body (POST), as Stripe accepts.
        let form = Self.parseForm([request.uri.query ?? "", text].filter { !$0.isEmpty }.joined(separator: "&"))
        let authorization = request.headers[.authorization] ?? ""
        let key = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
        let idempotencyKey = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
        let fingerprint = "\(request.method.rawValue) \(request.uri.path)?\(text)"
        let outcome: Result<(status: HTTPResponse.Status, body: JSONValue, events: [String]), Failure> =
            try await store.write { db in
                guard
                    let account = try Row.fetchOne(
                        db, sql: "SELECT * FROM stripe_accounts WHERE secret_key = ?", arguments: [key])
                else {
                    let shown = key.count > 4 ? String(repeating: "*", count: 4) + key.suffix(4) : "(none)"
                    return .failure(
                        Failure(
                            status: .unauthorized, type: "invalid_request_error", code: nil,
                            message: "Invalid API Key provided: \(shown)", param: nil))
                }
                let accountID: String = account["id"]
                if request.method == .post, let idempotencyKey, !idempotencyKey.isEmpty {
                    if let stored = try Row.fetchOne(
                        db, sql: "SELECT * FROM stripe_idempotency WHERE account = ? AND key = ?",
                        arguments: [accountID, idempotencyKey])
                    {
                        guard (stored["fingerprint"] as String) == fingerprint else {
                            return .failure(
                                Failure(
                                    status: .badRequest, type: "idempotency_error", code: nil,
                                    message:
                                        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(idempotencyKey)' if you meant to execute a different request.",
                                    param: nil))
                        }
                        let body = (try? JSONValue(data: Data((stored["body"] as String).utf8))) ?? .null
                        return .success((HTTPResponse.Status(code: stored["status"]), body, []))
                    }
                }
                do {
                    let (answer, events) = try body(db, account, form)
                    if request.method == .post, let idempotencyKey, !idempotencyKey.isEmpty {
                        try db.execute(
                            sql: """
                                INSERT INTO stripe_idempotency (account, key, fingerprint, status, body)
                                VALUES (?, ?, ?, 200, ?)
                                """,
                            arguments: [accountID, idempotencyKey, fingerprint, Self.encode(answer)])
                    }
                    return .success((.ok, answer, events))
                } catch let failure as Failure {
                    return .failure(failure)
                }
            }
        switch outcome {
        case .success(let answer):
            for event in answer.events { startDelivery(event) }
            return Self.json(answer.body, status: answer.status)
        case .failure(let failure):
            return Self.json(failure.body, status: failure.status)
        }
    }

    static func encode(_ value: JSONValue) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "null"
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: encode(value))))
    }

    /// `a=1&b%5B0%5D=2` → `["a": "1", "b[0]": "2"]`, `+` read as a space.
    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    // MARK: Currencies, as Stripe's currency guide states them

    static let zeroDecimal: Set<String> = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    ]
    static let threeDecimal: Set<String> = ["bhd", "jod", "kwd", "omr", "tnd"]

    /// `1999` in GBP → `"£19.99"`-like text for the hosted page.
    static func display(_ amount: Int, _ currency: String) -> String {
        let decimals = zeroDecimal.contains(currency) ? 0 : threeDecimal.contains(currency) ? 3 : 2
        guard decimals > 0 else { return "\(amount) \(currency.uppercased())" }
        var divisor = 1
        for _ in 0..<decimals { divisor *= 10 }
        let fraction = String(amount % divisor)
        return "\(amount / divisor).\(String(repeating: "0", count: decimals - fraction.count))\(fraction) "
            + currency.uppercased()
    }

    // MARK: Endpoints

    private func balance(_ db: Database, _ account: Row) throws -> (JSONValue, [String]) {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT currency, sum(amount - amount_refunded) AS total FROM stripe_payment_intents
                WHERE account = ? AND status = 'succeeded' GROUP BY currency
                """,
            arguments: [account["id"] as String])
        let available: [JSONValue] =
            rows.isEmpty
            ? [["amount": 0, "currency": "gbp", "source_types": ["card": 0]]]
            : rows.map {
                [
                    "amount": .number(Double($0["total"] as Int)), "currency": .string($0["currency"]),
                    "source_types": ["card": .number(Double($0["total"] as Int))],
                ]
            }
        return (["object": "balance", "available": .array(available), "livemode": false, "pending": []], [])
    }

    private func createSession(_ db: Database, _ account: Row, _ form: [String: String]) throws -> (JSONValue, [String])
    {
        guard form["mode"] == "payment" else {
            throw Failure.invalid(
                form["mode"] == nil ? "Missing required param: mode." : "Invalid mode: only payment is supported here.",
                code: form["mode"] == nil ? "parameter_missing" : "parameter_invalid_string", param: "mode")
        }
        for name in [
            "line_items[0][price_data][currency]", "line_items[0][price_data][unit_amount]",
            "line_items[0][price_data][product_data][name]", "line_items[0][quantity]", "success_url",
        ] where (form[name] ?? "").isEmpty {
            throw Failure.invalid("Missing required param: \(name).", code: "parameter_missing", param: name)
        }
        let currency = form["line_items[0][price_data][currency]"]!.lowercased()
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw Failure.invalid(
                "Invalid currency: \(currency).", code: "parameter_invalid_string",
                param: "line_items[0][price_data][currency]")
        }
        guard let unit = Int(form["line_items[0][price_data][unit_amount]"]!), unit > 0,
            let quantity = Int(form["line_items[0][quantity]"]!), quantity > 0
        else {
            throw Failure.invalid(
                "Invalid integer: line_items[0][price_data][unit_amount] must be a positive integer.",
                code: "parameter_invalid_integer", param: "line_items[0][price_data][unit_amount]")
        }
        if Self.threeDecimal.contains(currency), unit % 10 != 0 {
            throw Failure.invalid(
                "Amounts in \(currency.uppercased()) must end in 0: \(currency.uppercased()) is charged to two decimal places.",
                code: "parameter_invalid_integer", param: "line_items[0][price_data][unit_amount]")
        }
        guard let success = form["success_url"], success.hasPrefix("http") else {
            throw Failure.invalid("Not a valid URL", code: "url_invalid", param: "success_url")
        }
        let created = Int(now().timeIntervalSince1970)
        let sessionID = "cs_test_" + Self.token(40)
        let intentID = "pi_" + Self.token(24)
        var metadata: [String: JSONValue] = [:]
        var intentMetadata: [String: JSONValue] = [:]
        for (key, value) in form {
            if key.hasPrefix("metadata["), key.hasSuffix("]") {
                metadata[String(key.dropFirst(9).dropLast())] = .string(value)
            }
            let prefix = "payment_intent_data[metadata]["
            if key.hasPrefix(prefix), key.hasSuffix("]") {
                intentMetadata[String(key.dropFirst(prefix.count).dropLast())] = .string(value)
            }
        }
        let accountID: String = account["id"]
        try db.execute(
            sql: """
                INSERT INTO stripe_payment_intents (id, account, amount, currency, metadata, created)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [intentID, accountID, unit * quantity, currency, Self.encode(.object(intentMetadata)), created])
        try db.execute(
            sql: """
                INSERT INTO stripe_sessions (id, account, payment_intent, amount, currency, name, client_reference_id,
                    customer_email, metadata, success_url, cancel_url, created, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sessionID, accountID, intentID, unit * quantity, currency,
                form["line_items[0][price_data][product_data][name]"], form["client_reference_id"],
                form["customer_email"], Self.encode(.object(metadata)), success, form["cancel_url"] ?? "", created,
                created + 86_400,
            ])
        return (try session(db, sessionID, expand: false)!, [])
    }

    /// The Checkout Session object; `expand[]=payment_intent` puts the PaymentIntent (with its last error) inside.
    func session(_ db: Database, _ id: String, expand: Bool) throws -> JSONValue? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM stripe_sessions WHERE id = ?", arguments: [id]) else {
            return nil
        }
        var intent: JSONValue = .string(row["payment_intent"])
        if expand, let object = try paymentIntent(db, row["payment_intent"]) { intent = object }
        let amount = Double(row["amount"] as Int)
        return [
            "id": .string(id), "object": "checkout.session", "mode": "payment",
            "url": .string((address.baseURL ?? "") + "/pay/\(id)"),
            "status": .string(row["status"]), "payment_status": .string(row["payment_status"]),
            "payment_intent": intent, "amount_subtotal": .number(amount), "amount_total": .number(amount),
            "currency": .string(row["currency"]),
            "client_reference_id": (row["client_reference_id"] as String?).map(JSONValue.string) ?? .null,
            "customer_email": (row["customer_email"] as String?).map(JSONValue.string) ?? .null,
            "metadata": (try? JSONValue(data: Data((row["metadata"] as String).utf8))) ?? [:],
            "success_url": .string(row["success_url"]), "cancel_url": .string(row["cancel_url"]),
            "created": .number(Double(row["created"] as Int)), "expires_at": .number(Double(row["expires_at"] as Int)),
            "livemode": false,
            "total_details": ["amount_discount": 0, "amount_shipping": 0, "amount_tax": 0],
        ]
    }

    func paymentIntent(_ db: Database, _ id: String) throws -> JSONValue? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM stripe_payment_intents WHERE id = ?", arguments: [id])
        else { return nil }
        var error: JSONValue = .null
        if let message: String = row["last_error_message"] {
            error = [
                "type": "card_error", "code": .string(row["last_error_code"] ?? "card_declined"),
                "decline_code": .string(row["last_error_decline"] ?? ""), "message": .string(message),
            ]
        }
        return [
            "id": .string(id), "object": "payment_intent", "amount": .number(Double(row["amount"] as Int)),
            "amount_received": .number(Double((row["status"] as String) == "succeeded" ? row["amount"] as Int : 0)),
            "currency": .string(row["currency"]), "status": .string(row["status"]),
            "metadata": (try? JSONValue(data: Data((row["metadata"] as String).utf8))) ?? [:],
            "last_payment_error": error, "livemode": false,
        ]
    }

    private func retrieveSession(_ id: String, _ db: Database, _ account: Row, _ form: [String: String]) throws -> (
        JSONValue, [String]
    ) {
        guard
            let owner = try String.fetchOne(
                db, sql: "SELECT account FROM stripe_sessions WHERE id = ?", arguments: [id]),
            owner == (account["id"] as String)
        else {
            throw Failure(
                status: .notFound, type: "invalid_request_error", code: "resource_missing",
                message: "No such checkout.session: '\(id)'", param: "id")
        }
        let expand = form["expand[]"] == "payment_intent" || form["expand[0]"] == "payment_intent"
        return (try session(db, id, expand: expand)!, [])
    }

    private func createRefund(_ db: Database, _ account: Row, _ form: [String: String]) throws -> (JSONValue, [String])
    {
        guard let intentID = form["payment_intent"], !intentID.isEmpty else {
            throw Failure.invalid(
                "One of the following params should be provided for this request: payment_intent or charge.",
                code: "parameter_missing", param: "payment_intent")
        }
        guard
            let intent = try Row.fetchOne(
                db, sql: "SELECT * FROM stripe_payment_intents WHERE id = ? AND account = ?",
                arguments: [intentID, account["id"] as String])
        else {
            throw Failure(
                status: .notFound, type: "invalid_request_error", code: "resource_missing",
                message: "No such payment_intent: '\(intentID)'", param: "payment_intent")
        }
        guard (intent["status"] as String) == "succeeded" else {
            throw Failure.invalid(
                "This PaymentIntent does not have a successful charge to refund.", code: "charge_not_refundable")
        }
        let left = (intent["amount"] as Int) - (intent["amount_refunded"] as Int)
        guard left > 0 else {
            throw Failure.invalid(
                "Charge for PaymentIntent \(intentID) has already been refunded.", code: "charge_already_refunded")
        }
        var amount = left
        if let text = form["amount"] {
            guard let value = Int(text), value > 0 else {
                throw Failure.invalid(
                    "Invalid positive integer", code: "parameter_invalid_integer", param: "amount")
            }
            guard value <= left else {
                throw Failure.invalid(
                    "Refund amount (\(value)) is greater than unrefunded amount on charge (\(left))",
                    code: "amount_too_large", param: "amount")
            }
            amount = value
        }
        let currency: String = intent["currency"]
        if Self.threeDecimal.contains(currency), amount % 10 != 0 {
            throw Failure.invalid(
                "Amounts in \(currency.uppercased()) must end in 0.", code: "parameter_invalid_integer", param: "amount"
            )
        }
        if let reason = form["reason"], !["duplicate", "fraudulent", "requested_by_customer"].contains(reason) {
            throw Failure.invalid("Invalid reason: \(reason)", code: "parameter_invalid_string", param: "reason")
        }
        let created = Int(now().timeIntervalSince1970)
        let refundID = "re_" + Self.token(24)
        try db.execute(
            sql: """
                INSERT INTO stripe_refunds (id, account, payment_intent, amount, currency, reason, status, created)
                VALUES (?, ?, ?, ?, ?, ?, 'succeeded', ?)
                """,
            arguments: [refundID, account["id"] as String, intentID, amount, currency, form["reason"], created])
        try db.execute(
            sql: "UPDATE stripe_payment_intents SET amount_refunded = amount_refunded + ? WHERE id = ?",
            arguments: [amount, intentID])
        let refund: JSONValue = [
            "id": .string(refundID), "object": "refund", "amount": .number(Double(amount)),
            "currency": .string(currency), "payment_intent": .string(intentID), "status": "succeeded",
            "reason": form["reason"].map(JSONValue.string) ?? .null, "created": .number(Double(created)),
            "metadata": [:],
        ]
        let charge: JSONValue = [
            "id": .string("ch_" + intentID.dropFirst(3)), "object": "charge", "payment_intent": .string(intentID),
            "amount": .number(Double(intent["amount"] as Int)),
            "amount_refunded": .number(Double((intent["amount"] as Int) - left + amount)),
            "currency": .string(currency), "refunded": .bool(amount == left),
        ]
        let event = try recordEvent(db, account: account["id"], type: "charge.refunded", object: charge)
        return (refund, [event])
    }

    // MARK: Events

    /// Stores an event for the account; `startDelivery` sends it once the transaction has committed.
    func recordEvent(_ db: Database, account: String, type: String, object: JSONValue) throws -> String {
        let id = "evt_" + Self.token(24)
        let created = Int(now().timeIntervalSince1970)
        let event: JSONValue = [
            "id": .string(id), "object": "event", "api_version": "2024-06-20", "created": .number(Double(created)),
            "type": .string(type), "livemode": false, "pending_webhooks": 1,
            "request": ["id": .null, "idempotency_key": .null], "data": ["object": object],
        ]
        try db.execute(
            sql: "INSERT INTO stripe_events (id, account, type, payload, created) VALUES (?, ?, ?, ?, ?)",
            arguments: [id, account, type, Self.encode(event), created])
        return id
    }

    /// Delivers in the background: at once, then after growing gaps until a 2xx or the last attempt.
    /// `alreadyTried`: the first attempt was made in the request itself (the hosted page), so only retries remain.
    func startDelivery(_ eventID: String, alreadyTried: Bool = false) {
        Task {
            var gap = retryDelay
            var tried = alreadyTried
            for _ in 0..<max(1, deliveryAttempts - (alreadyTried ? 1 : 0)) {
                if tried {
                    if (try? await isDelivered(eventID)) == true { return }
                    try? await Task.sleep(for: gap)
                    gap *= 2
                }
                tried = true
                if (try? await deliver(eventID)) == true { return }
            }
        }
    }

    private func isDelivered(_ eventID: String) async throws -> Bool {
        try await store.read { db in
            try Bool.fetchOne(db, sql: "SELECT delivered FROM stripe_events WHERE id = ?", arguments: [eventID])
        } ?? false
    }

    /// One signed POST of the event to its account's endpoint; true when it answered 2xx.
    @discardableResult
    package func deliver(_ eventID: String) async throws -> Bool {
        guard
            let (payload, url, secret) = try await store.read({ db -> (String, String, String)? in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT e.payload, a.webhook_url, a.webhook_secret FROM stripe_events e
                            JOIN stripe_accounts a ON a.id = e.account WHERE e.id = ?
                            """, arguments: [eventID])
                else { return nil }
                return (row["payload"], row["webhook_url"], row["webhook_secret"])
            }), !url.isEmpty
        else { return false }
        let timestamp = Int(now().timeIntervalSince1970)
        // `*.localhost` is loopback by definition (RFC 6761), as browsers treat it: connect there, keep the name.
        var target = url
        var hostHeader: String?
        if var components = URLComponents(string: url), let host = components.host?.lowercased(),
            host == "localhost" || host.hasSuffix(".localhost")
        {
            hostHeader = host + (components.port.map { ":\($0)" } ?? "")
            components.host = "127.0.0.1"
            target = components.string ?? url
        }
        var request = HTTPClientRequest(url: target)
        request.method = .POST
        if let hostHeader { request.headers.add(name: "Host", value: hostHeader) }
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        request.headers.add(
            name: "Stripe-Signature", value: "t=\(timestamp),v1=\(Self.sign(payload, secret: secret, at: timestamp))")
        request.body = .bytes(ByteBuffer(string: payload))
        var status = 0
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 1 << 16)
        } catch {
            status = 0
        }
        let delivered = (200..<300).contains(status)
        let answered = status
        try await store.write { db in
            try db.execute(
                sql: """
                    UPDATE stripe_events SET attempts = attempts + 1, last_status = ?,
                        delivered = CASE WHEN ? THEN 1 ELSE delivered END
                    WHERE id = ?
                    """,
                arguments: [answered, delivered, eventID])
        }
        return delivered
    }

    /// `hex(HMAC-SHA256(secret, "<t>.<payload>"))`, as the signature guide describes.
    static func sign(_ payload: String, secret: String, at timestamp: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestamp).\(payload)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The events of the account holding `secretKey`, newest first: (id, type, attempts, delivered).
    package func events(secretKey: String) async throws -> [(id: String, type: String, attempts: Int, delivered: Bool)]
    {
        try await store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.type, e.attempts, e.delivered FROM stripe_events e
                    JOIN stripe_accounts a ON a.id = e.account WHERE a.secret_key = ? ORDER BY e.created DESC, e.rowid DESC
                    """, arguments: [secretKey]
            ).map { ($0["id"], $0["type"], $0["attempts"], ($0["delivered"] as Int) != 0) }
        }
    }

    /// The raw payload of an event (tests replay and tamper with it).
    package func payload(of eventID: String) async throws -> String? {
        try await store.read { db in
            try String.fetchOne(db, sql: "SELECT payload FROM stripe_events WHERE id = ?", arguments: [eventID])
        }
    }

    /// The refunds made on the account holding `secretKey`: (id, payment intent, amount).
    package func refunds(secretKey: String) async throws -> [(id: String, paymentIntent: String, amount: Int)] {
        try await store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.payment_intent, r.amount FROM stripe_refunds r
                    JOIN stripe_accounts a ON a.id = r.account WHERE a.secret_key = ? ORDER BY r.created, r.rowid
                    """, arguments: [secretKey]
            ).map { ($0["id"], $0["payment_intent"], $0["amount"]) }
        }
    }
}
