import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body as name → value (the last value of a repeated name wins).
package struct FormData: Sendable {
    package static let maximumBytes = 384 * 1024

    private var fields: [String: String]

    package init(fields: [String: String]) {
        self.fields = fields
    }

    /// Parses a form body; bodies over 64 KiB are refused.
    package static func parse(_ request: inout Request) async throws -> FormData {
        let buffer = try await request.collectBody(upTo: maximumBytes)
        return FormData(encoded: String(buffer: buffer))
    }

    package init(encoded: String) {
        var fields: [String: String] = [:]
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields[name] = value
        }
        self.fields = fields
    }

    package subscript(_ name: String) -> String {
        fields[name] ?? ""
    }

    /// A field with surrounding white space removed.
    package func trimmed(_ name: String) -> String {
        self[name].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }
}

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

/// Percent-encoding for one query component (RFC 3986 unreserved characters stay as they are).
package enum QueryComponent {
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    package static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}

/// A `?page=` number: 1 when missing or not a number, and at most a million, so `(page - 1) * perPage` never
/// overflows (an overflow would stop the whole process).
package enum PageNumber {
    package static let maximum = 1_000_000

    package static func parse(_ raw: String?) -> Int {
        min(max(1, raw.flatMap { Int($0) } ?? 1), maximum)
    }
}

/// A query parameter of a GET form, decoded as browsers encode forms: `+` is a space, `%2B` a plus sign.
package enum FormQuery {
    package static func value(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding == name else { continue }
            return parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
