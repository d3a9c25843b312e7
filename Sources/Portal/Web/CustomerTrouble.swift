import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// The friendly page for an upstream failure in the customer area, shared by its controllers.
enum CustomerTrouble {
    static func page(
        _ flows: AccountFlows, _ context: CustomerRequestContext, _ error: any Error, logger: Logger,
        title: String, back: String
    ) throws -> Response {
        logger.warning(
            "customer action failed upstream",
            metadata: [
                "request_id": "\(context.requestID)", "tenant": "\(context.tenant.slug)",
                "account": "\(context.account.id.rawValue)",
                "reason": "\(TenantUpstreams.describe(error))",
            ]
        )
        return try flows.page(
            UpstreamTroublePage(
                chrome: context.chrome, title: title,
                message:
                    "We could not reach our billing and support systems just now. Nothing was changed. Please try again in a few minutes; if it keeps happening, contact us and quote the reference below.",
                reference: context.requestID, backURL: back
            ),
            "account/trouble", status: .serviceUnavailable
        )
    }
}
