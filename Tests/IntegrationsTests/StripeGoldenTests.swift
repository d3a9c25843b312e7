import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Sandbox
import TestSupport
import Testing

@testable import Integrations

/// The Stripe client against Stripe's documented examples (`Fixtures/Stripe`), and the Stripe simulator against the
/// same examples' shapes: both sides are judged by the vendor's documents, never by each other.
@Suite("Stripe client and simulator against Stripe's documented examples")
struct StripeGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ path: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(path))
    }

    static func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: fixture(path)) as? [String: Any])
    }

    /// A Stripe whose every answer is `body` with `status`; requests are kept for inspection.
    static func client(status: Int = 200, _ body: Data, seen: Requests = Requests()) -> StripeClient {
        let transport = UpstreamTransport { request, _ in
            seen.append(request)
            return UpstreamResponse(status: status, body: body)
        }
        let caller = UpstreamCaller(
            tenant: "acme", upstream: .stripe, credentialIdentifier: "sk_test_golden", transport: transport,
            breakers: CircuitBreakers(), retry: RetryPolicy(maximumAttempts: 1),
            timeouts: UpstreamTimeouts(total: .seconds(30)),
            logger: Logger(label: "golden", factory: { _ in SwiftLogNoOpLogHandler() }))
        return StripeClient(credentials: StripeCredentials(secretKey: "sk_test_golden"), caller: caller)
    }

    final class Requests: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [UpstreamRequest] = []
        func append(_ request: UpstreamRequest) { lock.withLock { items.append(request) } }
        var all: [UpstreamRequest] { lock.withLock { items } }
    }

    @Test("the documented Session, Refund, Event, Balance and error objects read as they say")
    func client() async throws {
        let seen = Requests()
        let session = try await Self.client(try Self.fixture("Stripe/checkout.session.json"), seen: seen)
            .checkoutSession(id: "cs_test_a11YYufWQzNY63zpQ6QSNRQhkUpVph4WRmzW0zWJO2znZKdVujZ0N0S22u")
        #expect(session.status == "open" && session.paymentStatus == "unpaid" && session.paymentIntent == nil)
        #expect(session.amountTotal == 2198 && session.currency == "usd" && session.url.hasPrefix("https://checkout"))
        #expect(seen.all.first?.url.hasPrefix("https://api.stripe.com/v1/checkout/sessions/cs_test_") == true)
        #expect(seen.all.first?.headers.contains { $0 == ("Authorization", "Bearer sk_test_golden") } == true)

        let refunds = Requests()
        let refund = try await Self.client(try Self.fixture("Stripe/refund.json"), seen: refunds).createRefund(
            paymentIntent: "pi_1GszsK2eZvKYlo2CfhZyoZLp", amountMinor: 1000, currency: .usd, reason: nil,
            idempotencyKey: "refund-acme-1")
        #expect(refund.id == "re_1Nispe2eZvKYlo2Cd31jOCgZ" && refund.amount == 1000 && refund.status == "succeeded")
        let request = try #require(refunds.all.first)
        #expect(request.headers.contains { $0 == ("Idempotency-Key", "refund-acme-1") })
        #expect(
            String(decoding: request.body ?? Data(), as: UTF8.self)
                == "payment_intent=pi_1GszsK2eZvKYlo2CfhZyoZLp&amount=1000")

        try await Self.client(try Self.fixture("Stripe/balance.json")).checkConnection()

        await #expect(
            throws: UpstreamError.apiError(
                .stripe, action: "checkout.sessions.retrieve",
                message: "No such customer: 'cus_NffrFeUfNV2Hib' (resource_missing)")
        ) {
            _ = try await Self.client(status: 404, try Self.fixture("Stripe/error.response-404.json"))
                .checkoutSession(id: "cs_test_missing")
        }
        await #expect(
            throws: UpstreamError.authenticationFailed(.stripe, message: "No such customer: 'cus_NffrFeUfNV2Hib'")
        ) {
            try await Self.client(status: 401, try Self.fixture("Stripe/error.response-404.json")).checkConnection()
        }

        let event = try StripeEvent(try LenientJSON(data: try Self.fixture("Stripe/event.json")))
        #expect(event.id == "evt_1NG8Du2eZvKYlo2CUI79vXWy" && event.type == "setup_intent.created")
        #expect(event.object["id"]?.string == "seti_1NG8Du2eZvKYlo2C9XMqbR0x" && event.checkoutSession == nil)
    }

    @Test("a Checkout Session is created with bracket keys, the invoice as reference and Stripe's own units")
    func createsSessions() async throws {
        let seen = Requests()
        var created =
            try JSONSerialization.jsonObject(with: try Self.fixture("Stripe/checkout.session.json"))
            as! [String: Any]
        created["payment_intent"] = "pi_3"
        let body = try JSONSerialization.data(withJSONObject: created)
        var request = StripeCheckoutRequest(
            currency: Currency("KWD"), amountMinor: 1255, description: "Invoice 42", invoiceID: 42,
            customerEmail: "ada@example.com",
            successURL: "https://portal.acme.example/account/invoices/42?session={CHECKOUT_SESSION_ID}",
            cancelURL: "https://portal.acme.example/account/invoices/42")
        request.metadata = ["brand": "acme"]
        _ = try await Self.client(body, seen: seen).createCheckoutSession(request, idempotencyKey: "checkout-acme-42-1")
        let sent = String(decoding: try #require(seen.all.first?.body), as: UTF8.self)
        #expect(sent.contains("mode=payment"))
        #expect(sent.contains("line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=kwd"))
        #expect(sent.contains("line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=1260"), "thousandths in tens")
        #expect(sent.contains("client_reference_id=42") && sent.contains("metadata%5Binvoice_id%5D=42"))
        #expect(sent.contains("%7BCHECKOUT_SESSION_ID%7D"), "Stripe fills the literal in")
        #expect(
            seen.all.first?.headers.contains { $0 == ("Content-Type", "application/x-www-form-urlencoded") } == true)
    }

    /// JSON kinds, for comparing the simulator's objects with the documented ones.
    static func kind(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "null"
        case let number as NSNumber: String(cString: number.objCType) == "c" ? "bool" : "number"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        default: "other"
        }
    }

    @Test("the simulator answers with the documented objects' keys and kinds, Stripe's errors and idempotency")
    func simulator() async throws {
        try await SandboxHarness.with { harness in
            let account = try await harness.sandbox.stripe.ensureAccount("acme", webhookURL: "")
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = http.shutdown() }
            func call(
                _ method: HTTPMethod, _ path: String, _ form: String = "", key: String? = nil, auth: String? = nil
            )
                async throws -> (Int, [String: Any])
            {
                var request = HTTPClientRequest(url: harness.stripeURL + path)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(auth ?? account.secretKey)")
                if let key { request.headers.add(name: "Idempotency-Key", value: key) }
                if !form.isEmpty {
                    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                    request.body = .bytes(ByteBuffer(string: form))
                }
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
                return (Int(response.status.code), object)
            }
            let form =
                "mode=payment&line_items[0][price_data][currency]=gbp&line_items[0][price_data][unit_amount]=1999"
                + "&line_items[0][price_data][product_data][name]=Invoice+7&line_items[0][quantity]=1"
                + "&success_url=https%3A%2F%2Fshop.example%2Fdone%3Fs%3D%7BCHECKOUT_SESSION_ID%7D"
                + "&cancel_url=https%3A%2F%2Fshop.example%2Fback&client_reference_id=7&metadata[invoice_id]=7"
            let (status, session) = try await call(.POST, "/v1/checkout/sessions", form, key: "k1")
            #expect(status == 200)
            let documented = try Self.json("Stripe/checkout.session.json")
            for key in [
                "id", "object", "url", "status", "payment_status", "amount_total", "amount_subtotal", "currency",
                "client_reference_id", "metadata", "mode", "success_url", "cancel_url", "created", "expires_at",
                "livemode", "total_details",
            ] {
                let want = Self.kind(documented[key])
                let got = Self.kind(session[key])
                #expect(want == got || want == "null", "\(key): documented \(want), simulator \(got)")
            }
            #expect(session["object"] as? String == "checkout.session" && session["amount_total"] as? Int == 1999)
            // The same key and body: the same session; the same key with another body: an idempotency error.
            let (_, again) = try await call(.POST, "/v1/checkout/sessions", form, key: "k1")
            #expect(again["id"] as? String == session["id"] as? String)
            let (conflict, refused) = try await call(
                .POST, "/v1/checkout/sessions", form + "&customer_email=a%40b.c", key: "k1")
            #expect(conflict == 400 && (refused["error"] as? [String: Any])?["type"] as? String == "idempotency_error")
            // Documented error shape and statuses.
            let (missing, error) = try await call(.POST, "/v1/checkout/sessions", "mode=payment", key: "k2")
            let detail = try #require(error["error"] as? [String: Any])
            #expect(missing == 400 && detail["type"] as? String == "invalid_request_error")
            #expect(detail["code"] as? String == "parameter_missing" && detail["param"] as? String != nil)
            let (unauthorised, _) = try await call(.GET, "/v1/balance", auth: "sk_test_wrong")
            #expect(unauthorised == 401)
            let (_, balance) = try await call(.GET, "/v1/balance")
            #expect(Set(balance.keys).isSuperset(of: ["object", "available", "pending", "livemode"]))
            let (threeDecimals, _) = try await call(
                .POST, "/v1/checkout/sessions",
                form.replacingOccurrences(of: "=gbp", with: "=kwd").replacingOccurrences(of: "1999", with: "1255"))
            #expect(threeDecimals == 400, "KWD amounts must end in 0")
            // Refunds: only of a payment that succeeded.
            let (notPaid, _) = try await call(
                .POST, "/v1/refunds", "payment_intent=\(session["payment_intent"] as? String ?? "")")
            #expect(notPaid == 400)
        }
    }

    @Test(
        "WHMCS GetPromotions and GetTransactions read as documented; the simulator's promotions carry the documented keys"
    )
    func whmcsPromotions() async throws {
        let folder = Self.folder.appendingPathComponent("WHMCS")
        let transport = UpstreamTransport { request, _ in
            let body = String(decoding: request.body ?? Data(), as: UTF8.self)
            let action =
                body.split(separator: "&").first { $0.hasPrefix("action=") }.map { String($0.dropFirst(7)) } ?? ""
            return UpstreamResponse(
                status: 200, body: try Data(contentsOf: folder.appendingPathComponent("\(action).json")))
        }
        let client = WHMCSClient(
            credentials: WHMCSCredentials(baseURL: "https://billing.example", identifier: "id", secret: "s"),
            caller: UpstreamCaller(
                tenant: "acme", upstream: .whmcs, credentialIdentifier: "golden", transport: transport,
                breakers: CircuitBreakers(), retry: RetryPolicy(maximumAttempts: 1),
                timeouts: UpstreamTimeouts(total: .seconds(30)),
                logger: Logger(label: "golden", factory: { _ in SwiftLogNoOpLogHandler() })))
        let promotion = try #require(try await client.promotion(code: "SAMPLE"))
        #expect(promotion.kind == .percentage && promotion.value == "10" && promotion.appliesTo == [1, 2])
        #expect(promotion.expirationDate == nil && promotion.startDate == nil && promotion.uses == 1)
        #expect(promotion.maximumUses == 0 && promotion.cycles.isEmpty)
        #expect(try await client.hasTransaction("1479732071aad259f3513ec"))
        #expect(try await !client.hasTransaction("pi_other"))

        try await SandboxHarness.with { harness in
            try await harness.sandbox.whmcs.addPromotion(
                code: "TEN", type: "Percentage", value: "10.00", appliesTo: [1])
            let (_, body) = try await harness.postWHMCS("\(harness.whmcsAuth)&action=GetPromotions&code=ten")
            let simulated = try #require(
                (((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["promotions"]
                    as? [String: Any])?["promotion"] as? [[String: Any]])?.first)
            let documented = try #require(
                ((try JSONSerialization.jsonObject(
                    with: try Data(contentsOf: folder.appendingPathComponent("GetPromotions.json")))
                    as? [String: Any])?["promotions"] as? [String: Any])?["promotion"] as? [[String: Any]])
            #expect(Set(simulated.keys).isSuperset(of: Set(documented[0].keys)))
        }
    }
}
