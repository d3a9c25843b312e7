import Foundation
import GRDB
import Hummingbird
import NIOCore

/// The hosted payment page a Checkout Session's `url` opens: Stripe's test cards decide the outcome.
extension StripeSimulator {
    /// Stripe's documented test cards this page knows; any other number is "incorrect".
    enum TestCard {
        case succeeds
        case declined(code: String, decline: String, message: String)

        init?(_ number: String) {
            switch number.filter(\.isNumber) {
            case "4242424242424242", "5555555555554444": self = .succeeds
            case "4000000000000002":
                self = .declined(code: "card_declined", decline: "generic_decline", message: "Your card was declined.")
            case "4000000000009995":
                self = .declined(
                    code: "card_declined", decline: "insufficient_funds", message: "Your card has insufficient funds.")
            case "4000000000000069":
                self = .declined(code: "expired_card", decline: "expired_card", message: "Your card has expired.")
            default: return nil
            }
        }
    }

    struct PageSession: Sendable {
        var id: String
        var account: String
        var intent: String
        var amount: Int
        var currency: String
        var name: String
        var status: String
        var successURL: String
        var cancelURL: String
        var merchant: String
    }

    func pageSession(_ id: String) async throws -> PageSession? {
        try await store.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.*, a.name AS merchant FROM stripe_sessions s JOIN stripe_accounts a ON a.id = s.account
                        WHERE s.id = ?
                        """, arguments: [id])
            else { return nil }
            return PageSession(
                id: id, account: row["account"], intent: row["payment_intent"], amount: row["amount"],
                currency: row["currency"], name: row["name"], status: row["status"], successURL: row["success_url"],
                cancelURL: row["cancel_url"], merchant: row["merchant"])
        }
    }

    func checkoutPage(_ id: String) async throws -> Response {
        guard let session = try await pageSession(id) else {
            return Self.html("Not found", "<h1>This payment page does not exist</h1>", status: .notFound)
        }
        guard session.status == "open" else {
            return Self.html(
                "Payment closed",
                "<h1>This payment is \(session.status == "complete" ? "complete" : "no longer open")</h1>"
                    + "<p><a href=\"\(escapeHTML(session.cancelURL))\">Return to \(escapeHTML(session.merchant))</a></p>",
                status: .ok)
        }
        return Self.html("Pay \(session.merchant)", form(session, error: nil), status: .ok)
    }

    func form(_ session: PageSession, error: String?) -> String {
        let alert = error.map { "<p class=\"error\" role=\"alert\" id=\"card-error\">\(escapeHTML($0))</p>" } ?? ""
        let described = error == nil ? "" : " aria-describedby=\"card-error\" aria-invalid=\"true\""
        return """
            <p><a href="\(escapeHTML(session.cancelURL))">← Back to \(escapeHTML(session.merchant))</a></p>
            <h1>Pay \(escapeHTML(session.merchant))</h1>
            <p class="item">\(escapeHTML(session.name))</p>
            <p class="amount">\(Self.display(session.amount, session.currency))</p>
            <p class="test">Test mode: use 4242 4242 4242 4242 to pay, 4000 0000 0000 0002 to see a decline.</p>
            \(alert)
            <form method="post" action="/pay/\(escapeHTML(session.id))">
              <label for="card">Card number</label>
              <input id="card" name="card" inputmode="numeric" autocomplete="cc-number" required\(described)>
              <label for="expiry">Expiry (MM / YY)</label>
              <input id="expiry" name="expiry" autocomplete="cc-exp" placeholder="12 / 34" required>
              <label for="cvc">Security code</label>
              <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required>
              <label for="holder">Name on card</label>
              <input id="holder" name="holder" autocomplete="cc-name">
              <button type="submit">Pay \(Self.display(session.amount, session.currency))</button>
            </form>
            """
    }

    /// Charges the test card: a paid session sends `checkout.session.completed` and returns the customer to the
    /// merchant; a decline records the error on the PaymentIntent, sends `payment_intent.payment_failed`, and shows
    /// the page again with the reason.
    func pay(_ request: Request, session id: String) async throws -> Response {
        guard let session = try await pageSession(id) else {
            return Self.html("Not found", "<h1>This payment page does not exist</h1>", status: .notFound)
        }
        guard session.status == "open" else { return try await checkoutPage(id) }
        let body = Self.parseForm(String(buffer: try await request.body.collect(upTo: 1 << 16)))
        guard let card = TestCard(body["card"] ?? "") else {
            return Self.html(
                "Pay \(session.merchant)", form(session, error: "Your card number is incorrect."), status: .ok)
        }
        switch card {
        case .succeeds:
            let event = try await store.write { db in
                try db.execute(
                    sql:
                        "UPDATE stripe_payment_intents SET status = 'succeeded', last_error_message = NULL WHERE id = ?",
                    arguments: [session.intent])
                try db.execute(
                    sql: "UPDATE stripe_sessions SET status = 'complete', payment_status = 'paid' WHERE id = ?",
                    arguments: [id])
                return try self.recordEvent(
                    db, account: session.account, type: "checkout.session.completed",
                    object: try self.session(db, id, expand: false)!)
            }
            // Stripe sends the event and the customer back independently; here the first delivery is tried first,
            // so the merchant usually knows before the customer arrives (it must not rely on it).
            _ = try? await deliver(event)
            startDelivery(event, alreadyTried: true)
            let target = session.successURL.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: id)
            return Response(status: .seeOther, headers: [.location: target])
        case .declined(let code, let decline, let message):
            let event = try await store.write { db in
                try db.execute(
                    sql: """
                        UPDATE stripe_payment_intents SET status = 'requires_payment_method', last_error_code = ?,
                            last_error_decline = ?, last_error_message = ?
                        WHERE id = ?
                        """,
                    arguments: [code, decline, message, session.intent])
                return try self.recordEvent(
                    db, account: session.account, type: "payment_intent.payment_failed",
                    object: try self.paymentIntent(db, session.intent)!)
            }
            _ = try? await deliver(event)
            startDelivery(event, alreadyTried: true)
            // Stripe's page shows the decline in place (HTTP 200), ready for another card.
            return Self.html("Pay \(session.merchant)", form(session, error: message), status: .ok)
        }
    }

    /// Expires an open session as Stripe does after 24 hours (tests call it), sending `checkout.session.expired`.
    package func expire(session id: String) async throws {
        let event: String? = try await store.write { db in
            guard
                let account = try String.fetchOne(
                    db, sql: "SELECT account FROM stripe_sessions WHERE id = ? AND status = 'open'", arguments: [id])
            else { return nil }
            try db.execute(sql: "UPDATE stripe_sessions SET status = 'expired' WHERE id = ?", arguments: [id])
            return try self.recordEvent(
                db, account: account, type: "checkout.session.expired", object: try self.session(db, id, expand: false)!
            )
        }
        if let event { startDelivery(event) }
    }

    static func html(_ title: String, _ body: String, status: HTTPResponse.Status) -> Response {
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <title>\(escapeHTML(title))</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
            label{display:block;margin-top:1rem;font-weight:600}
            input{display:block;width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #555;border-radius:4px}
            button{margin-top:1.5rem;width:100%;padding:.8rem;font-size:1rem;background:#4b3fcf;color:#fff;border:0;border-radius:4px}
            .amount{font-size:1.6rem;font-weight:700}.error{color:#a00;font-weight:600}.test{color:#555}
            a{color:#3a2fb8}
            </style></head><body><main>\(body)</main></body></html>
            """
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
