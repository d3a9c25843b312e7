import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Logging
import Tenancy

/// Payments: the Stripe webhook on each brand's host, the owner's Payments settings and staff refunds.
enum PaymentRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        StripeWebhookController(cards: dependencies.cardPayments, logger: logger).addRoutes(to: areas.storefront)
        PaymentSettingsController(
            flows: dependencies.accountFlows, databases: dependencies.databases, upstreams: dependencies.upstreams,
            secrets: dependencies.accountServices.secrets, realm: { dependencies.tenantRealm($0) },
            storefront: dependencies.storefront,
            now: dependencies.accountServices.now
        ).addRoutes(to: areas.staff)
        RefundsController(
            flows: dependencies.accountFlows, databases: dependencies.databases, cards: dependencies.cardPayments,
            upstreams: dependencies.upstreams
        ).addRoutes(to: areas.staff)
    }
}

/// `POST /webhooks/stripe` on a brand's host: Stripe's signed events for that brand's account only. A forged,
/// stale or other brand's event is 400 and changes nothing; a repeated one is 200 and changes nothing.
struct StripeWebhookController: Sendable {
    let cards: CardPayments
    let logger: Logger

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("/webhooks/stripe", use: receive)
    }

    @Sendable func receive(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 512 * 1024)
        let payload = Array(body.readableBytesView)
        let signature = request.headers[HTTPField.Name("Stripe-Signature")!]
        switch try await cards.receive(payload: payload, signature: signature, tenant: context.tenant) {
        case .accepted: return Self.answer(.ok, ["received": true])
        case .duplicate: return Self.answer(.ok, ["received": true, "duplicate": true])
        case .refused(let reason):
            logger.warning(
                "stripe webhook refused",
                metadata: [
                    "tenant": "\(context.tenant.slug)", "reason": "\(reason)",
                    "ip": "\(context.origin.clientAddress ?? "")",
                ])
            return ProductAPIController.error(.badRequest, "invalid_event", "The event was refused: \(reason).")
        }
    }

    static func answer(_ status: HTTPResponse.Status, _ body: [String: Bool]) -> Response {
        (try? ProductAPIController.json(body, status: status)) ?? Response(status: status)
    }
}
