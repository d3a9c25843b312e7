import Foundation

/// The page a control-panel button opens, in a new tab: it moves on to the one-time sign-in address by itself (a
/// meta refresh, so without JavaScript) and offers the same address as a link. A page of our own, rather than a
/// redirect, because the form's `form-action 'self'` policy stops a form from being redirected to another site.
package struct ControlPanelPage: Sendable {
    package let chrome: StorefrontChrome
    package let url: String
    package let backURL: String
    package let serviceName: String
}
