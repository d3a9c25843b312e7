import Crypto
import Foundation

/// One webhook event as Stripe sends it: `{id, object:"event", type, created, livemode, data:{object}}`.
package struct StripeEvent: Sendable, Equatable {
    package var id: String
    package var type: String
    package var created: Int
    package var livemode: Bool
    /// `data.object`: a Checkout Session, a charge, …
    package var object: LenientJSON

    package init(_ json: LenientJSON) throws {
        guard json["object"]?.string == "event", let id = json["id"]?.string, id.hasPrefix("evt_"),
            let type = json["type"]?.string, let object = json["data"]?["object"], case .object = object
        else { throw StripeWebhook.Refusal.malformed }
        self.id = id
        self.type = type
        created = json["created"]?.int ?? 0
        livemode = json["livemode"]?.bool ?? false
        self.object = object
    }

    /// The Checkout Session the event is about, for the `checkout.session.*` types.
    package var checkoutSession: StripeCheckoutSession? {
        type.hasPrefix("checkout.session.") ? StripeCheckoutSession(object) : nil
    }
}

/// Checks the `Stripe-Signature` header as Stripe documents it (docs.stripe.com/webhooks, "verify manually"):
/// `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`; the expected `v1` is the lowercase hex HMAC-SHA256 of `"<t>.<raw body>"`
/// keyed with the endpoint's `whsec_…` secret; any `v1` may match (during a secret roll there are two); other
/// schemes are ignored; the timestamp must be within the tolerance of now, either way.
package enum StripeWebhook {
    package enum Refusal: Error, Equatable, CustomStringConvertible {
        case missingHeader
        case noSignature
        case staleTimestamp
        case signatureMismatch
        case malformed

        package var description: String {
            switch self {
            case .missingHeader: "no Stripe-Signature header"
            case .noSignature: "the Stripe-Signature header has no t= or v1= part"
            case .staleTimestamp: "the signature's timestamp is outside the tolerance"
            case .signatureMismatch: "no v1 signature matches"
            case .malformed: "the body is not a Stripe event"
            }
        }
    }

    package static let tolerance: TimeInterval = 300

    /// The header Stripe would send for `payload` at `timestamp` (the simulator signs its own way; tests use this
    /// only to build inputs for the verifier).
    package static func signature(payload: [UInt8], secret: String, timestamp: Int) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed += payload
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The event when the header proves the body came from the holder of `secret` within the tolerance.
    package static func verify(
        payload: [UInt8], header: String?, secret: String, now: Date, tolerance: TimeInterval = tolerance
    ) throws -> StripeEvent {
        guard let header, !header.isEmpty else { throw Refusal.missingHeader }
        var timestamp: Int?
        var candidates: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int(pair[1])
            case "v1": candidates.append(pair[1].lowercased())
            default: continue
            }
        }
        guard let timestamp, !candidates.isEmpty else { throw Refusal.noSignature }
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else {
            throw Refusal.staleTimestamp
        }
        let expected = Array(signature(payload: payload, secret: secret, timestamp: timestamp).utf8)
        var matched = false
        for candidate in candidates where constantTimeEqual(Array(candidate.utf8), expected) { matched = true }
        guard matched else { throw Refusal.signatureMismatch }
        guard let json = try? LenientJSON(data: Data(payload)) else { throw Refusal.malformed }
        return try StripeEvent(json)
    }

    /// Equal lengths compared byte by byte without an early exit.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
