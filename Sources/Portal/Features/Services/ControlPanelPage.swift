import Foundation

/// The page a control-panel button opens, in a new tab: it moves on to the one-time sign-in address by itself (a
/// meta refresh, so without JavaScript) and offers the same address as a link. A page of our own, rather than a
/// redirect, because the form's `form-action 'self'` policy stops a form from being redirected to another site.
/// When the panel cannot be reached it says so instead, with a reference staff can find in the log.
package struct ControlPanelPage: Sendable {
    package let chrome: StorefrontChrome
    /// The one-time address; nil when it could not be made.
    package let url: String?
    package let backURL: String
    package let serviceName: String
    /// What is being opened ("your control panel", "webmail", …).
    package var opening = tr("services.control-panel.your_panel")
    package var problem: String?
    package var reference: String?

    /// The answer when the panel could not be reached: its log line and a page that says so.
    static func unreachable(
        _ error: any Error, backURL: String, serviceName: String, opening: String, context: CustomerRequestContext
    ) throws -> ControlPanelPage {
        guard CustomerTroubleMiddleware.isUpstream(error) else { throw error }
        context.logger.warning(
            "control panel could not be opened",
            metadata: [
                "request_id": "\(context.requestID)", "tenant": "\(context.tenant.slug)",
                "reason": "\(TenantUpstreams.describe(error))",
            ])
        return ControlPanelPage(
            chrome: context.chrome, url: nil, backURL: backURL, serviceName: serviceName, opening: opening,
            problem: tr("services.control-panel.unreachable", ["opening": opening]),
            reference: context.requestID)
    }
}
