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

    /// The same, for a handler that has no further use of the request.
    package static func parse(_ request: Request) async throws -> FormData {
        var request = request
        return try await parse(&request)
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
