import Foundation
import Hummingbird

/// Email address checks shared by every form.
package enum EmailAddress {
    /// A normalised address, or nil when it does not look like one.
    package static func normalize(_ raw: String) -> String? {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        // The same characters mail headers refuse, so every address the portal accepts can be mailed.
        guard email.utf8.count <= 254, !email.contains(where: { $0.isWhitespace || "<>()[]\\,;:\"".contains($0) })
        else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains("..")
        else { return nil }
        return email
    }
}
