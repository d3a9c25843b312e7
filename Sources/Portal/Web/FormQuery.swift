import Foundation
import Hummingbird

/// A query parameter of a GET form, decoded as browsers encode forms: `+` is a space, `%2B` a plus sign.
package enum FormQuery {
    package static func value(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding == name
            else { continue }
            return parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
