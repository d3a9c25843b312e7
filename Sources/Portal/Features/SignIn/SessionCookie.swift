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

    /// The value of the first `name=value` pair called `name` in the request's `Cookie` headers, when it is not empty
    /// and at most 128 bytes long (what `request.cookies[name]` answers, without building every cookie: a signed-in
    /// request asks twice).
    package static func value(_ name: String, in request: Request) -> String? {
        for field in request.headers where field.name == .cookie {
            guard let value = firstValue(named: name, in: field.value) else { continue }
            guard !value.isEmpty, value.utf8.count <= 128 else { return nil }
            return String(value)
        }
        return nil
    }

    /// The value of the first pair called `name` in one `Cookie` header (`a=1; b=2`): pairs are split at `;`, leading
    /// whitespace is dropped, and the name is everything before the first `=`.
    static func firstValue(named name: String, in header: String) -> Substring? {
        var rest = header[...]
        while !rest.isEmpty {
            let end = rest.utf8.firstIndex(of: UInt8(ascii: ";")) ?? rest.endIndex
            let pair = rest[..<end].drop(while: \.isWhitespace)
            if let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")), pair[..<equals] == name {
                return pair[pair.utf8.index(after: equals)...]
            }
            rest = end == rest.endIndex ? rest[end...] : rest[rest.utf8.index(after: end)...]
        }
        return nil
    }
}
