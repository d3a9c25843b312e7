import Foundation
import Integrations
import Testing

@testable import Portal

/// Money in each currency's own minor unit through every path, and Stripe's webhook signature rule.
@Suite("Money in every currency, and Stripe signatures")
struct MoneyAndSignatureTests {
    struct Case: Sendable, CustomStringConvertible {
        let code: String
        let typed: String
        let minor: Int64
        let page: String
        let csv: String
        let whmcs: String
        let whmcsEcho: String
        let stripe: Int64
        var description: String { code }
    }

    static let cases: [Case] = [
        Case(
            code: "JPY", typed: "1,000", minor: 1000, page: "¥1,000", csv: "1000", whmcs: "1000",
            whmcsEcho: "1000.00", stripe: 1000),
        Case(
            code: "GBP", typed: "£12.5", minor: 1250, page: "£12.50", csv: "12.50", whmcs: "12.50",
            whmcsEcho: "12.50", stripe: 1250),
        Case(
            code: "KWD", typed: "1.250", minor: 1250, page: "KWD 1.250", csv: "1.250", whmcs: "1.250",
            whmcsEcho: "1.25", stripe: 1250),
    ]

    @Test("form, storage, page, CSV, WHMCS and Stripe amounts agree for yen, pounds and dinars", arguments: cases)
    func roundTrip(_ sample: Case) throws {
        let currency = Currency(sample.code)
        // The form: what an owner types for a price.
        let parsed = try #require(MoneyInput.parse(sample.typed, currency: currency))
        #expect(parsed == sample.minor, "stored in the currency's own minor unit")
        // The page and the CSV.
        #expect(Money.format(minor: parsed, currency: sample.code) == sample.page)
        if case .number(let text) = CSV.amount(minor: parsed, currency: sample.code) {
            #expect(text == sample.csv)
        } else {
            Issue.record("a CSV amount is a number cell")
        }
        // WHMCS: written in the currency's decimals, read back from how WHMCS echoes it (two decimals).
        #expect(currency.decimal(parsed) == sample.whmcs)
        #expect(LenientJSON.string(sample.whmcsEcho).minorUnits(in: currency) == parsed)
        #expect(LenientJSON.string(sample.whmcs).minorUnits(in: currency) == parsed)
        // Stripe.
        #expect(StripeAmount.toStripe(parsed, currency) == sample.stripe)
        #expect(StripeAmount.fromStripe(sample.stripe, currency) == parsed)
        // The edit form shows the stored amount as it was typed.
        #expect(MoneyInput.parse(MoneyInput.text(parsed, currency: currency), currency: currency) == parsed)
    }

    @Test("more decimals than the currency has are refused in forms; Stripe's own units are honoured")
    func precision() {
        #expect(MoneyInput.parse("12.5", currency: Currency("JPY")) == nil, "yen have no decimals")
        #expect(MoneyInput.parse("12.345", currency: .gbp) == nil)
        #expect(MoneyInput.parse("1.255", currency: Currency("KWD")) == nil, "thousandths go in tens")
        #expect(MoneyInput.parse("-1", currency: .gbp) == nil)
        #expect(MoneyInput.parse("2000000", currency: .gbp) == nil, "above the largest price")
        // Stripe rounds three-decimal amounts to a multiple of ten.
        #expect(StripeAmount.toStripe(1255, Currency("KWD")) == 1260)
        #expect(StripeAmount.toStripe(1254, Currency("BHD")) == 1250)
        // ISK is zero-decimal in ISO 4217 but Stripe takes hundredths.
        #expect(StripeAmount.toStripe(500, Currency("ISK")) == 50_000)
        #expect(StripeAmount.fromStripe(50_000, Currency("ISK")) == 500)
        #expect(Currency("JPY").decimals == 0 && Currency("OMR").decimals == 3 && Currency("EUR").decimals == 2)
    }

    static let secret = "whsec_test_0123456789abcdef0123456789"
    static let body = Array(
        #"{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1800000000,"livemode":false,"data":{"object":{"id":"cs_test_1","object":"checkout.session","status":"complete","payment_status":"paid","payment_intent":"pi_1"}}}"#
            .utf8)

    @Test("a signature is checked with HMAC-SHA256 over t.body, a five-minute tolerance, any v1, and nothing else")
    func signatures() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let t = 1_800_000_000 - 120
        let good = StripeWebhook.signature(payload: Self.body, secret: Self.secret, timestamp: t)
        let event = try StripeWebhook.verify(
            payload: Self.body, header: "t=\(t),v1=\(good)", secret: Self.secret, now: now)
        #expect(event.id == "evt_1" && event.checkoutSession?.paymentIntent == "pi_1")
        // During a secret roll two v1 signatures come; either may match.
        _ = try StripeWebhook.verify(
            payload: Self.body, header: "t=\(t),v1=\(String(repeating: "0", count: 64)),v1=\(good)",
            secret: Self.secret, now: now)
        #expect(throws: StripeWebhook.Refusal.signatureMismatch) {
            try StripeWebhook.verify(
                payload: Self.body, header: "t=\(t),v1=\(good)", secret: "whsec_another_brand_secret_000000",
                now: now)
        }
        var tampered = Self.body
        tampered[tampered.count - 5] = UInt8(ascii: "2")
        #expect(throws: StripeWebhook.Refusal.signatureMismatch) {
            try StripeWebhook.verify(payload: tampered, header: "t=\(t),v1=\(good)", secret: Self.secret, now: now)
        }
        let old = 1_800_000_000 - 301
        let stale = StripeWebhook.signature(payload: Self.body, secret: Self.secret, timestamp: old)
        #expect(throws: StripeWebhook.Refusal.staleTimestamp) {
            try StripeWebhook.verify(payload: Self.body, header: "t=\(old),v1=\(stale)", secret: Self.secret, now: now)
        }
        #expect(throws: StripeWebhook.Refusal.noSignature) {
            try StripeWebhook.verify(payload: Self.body, header: "t=\(t),v0=\(good)", secret: Self.secret, now: now)
        }
        #expect(throws: StripeWebhook.Refusal.missingHeader) {
            try StripeWebhook.verify(payload: Self.body, header: nil, secret: Self.secret, now: now)
        }
    }

    @Test("tax rates read as people write them; the review says whether prices include tax")
    func taxWording() {
        #expect(TaxSettings.percent("20.00") == "20%" && TaxSettings.percent("17.50") == "17.5%")
        var tax = TaxSettings()
        #expect(tax.statement.contains("exclude VAT"))
        tax.pricesIncludeTax = true
        tax.name = "GST"
        #expect(tax.statement.contains("include GST"))
    }
}
