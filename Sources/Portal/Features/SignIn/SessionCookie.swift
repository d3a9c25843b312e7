import Foundation
import Hummingbird

/// The cookies the portal sets. `__Host-` means Secure, Path=/ and no Domain, so a cookie from one tenant's
/// host is never sent to another's (browsers treat http://*.localhost as secure, so the demo works too).
package enum SessionCookie {
    package static let session = "__Host-session"
    /// The anonymous visitor's CSRF secret, for forms shown before sign-in (double submit).
    package static let csrf = "__Host-csrf"

    package static func set(_ name: String, value: String) -> String {
        "\(name)=\(value); Path=/; Secure; HttpOnly; SameSite=Lax"
    }

    package static func clear(_ name: String) -> String {
        "\(name)=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"
    }

    package static func value(_ name: String, in request: Request) -> String? {
        guard let value = request.cookies[name]?.value, !value.isEmpty, value.utf8.count <= 128 else { return nil }
        return value
    }
}
