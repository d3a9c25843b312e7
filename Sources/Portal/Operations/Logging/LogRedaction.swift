import Integrations
import Logging
import Synchronization

/// What no log line may carry, whatever logged it: values of secret-named fields, `name=value` pairs with a secret
/// name inside a text (a query string, a form body), bearer tokens and API keys by their shape.
package enum LogRedaction {
    package static let mask = Redaction.mask

    /// Field and parameter names that hold secrets (lower case; a name containing one counts).
    static let secretNames = [
        "password", "secret", "token", "authorization", "cookie", "apikey", "api_key", "accesskey", "passphrase",
        "private_key", "signature", "session_id", "otp", "recovery_code",
    ]

    /// Prefixes of keys by shape: Stripe secret, restricted and webhook keys, cPanel API tokens in headers.
    static let keyShapes = [
        "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_", "Bearer ", "whm root:", "cpanel ",
    ]

    package static func isSecretName(_ name: String) -> Bool {
        if let known = decisions.withLock({ $0[name] }) { return known }
        let lower = name.lowercased()
        let secret = secretNames.contains { lower.contains($0) }
        decisions.withLock { decisions in
            // Field names are few and fixed in code; the bound only guards against names made from input.
            if decisions.count >= 1024 { decisions.removeAll(keepingCapacity: true) }
            decisions[name] = secret
        }
        return secret
    }

    /// Each field name's verdict, worked out once: every request's log line asks about the same few names.
    private static let decisions = Mutex<[String: Bool]>([:])

    /// A metadata value as it may be written: masked whole under a secret name, otherwise with secrets inside it
    /// masked.
    package static func value(_ value: Logger.Metadata.Value, key: String) -> String {
        if isSecretName(key) { return mask }
        return text("\(value)")
    }

    /// `text` with every secret-named `name=value` pair's value and every key-shaped word masked. Cheap when there
    /// is nothing to mask: most lines are checked with a few substring tests.
    package static func text(_ text: String) -> String {
        // One pass over the bytes: every pair has "=", every key shape "_" or a space.
        var mayHavePairs = false
        var mayHaveMarker = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                mayHavePairs = true
            } else if byte == UInt8(ascii: "_") || byte == UInt8(ascii: " ") {
                mayHaveMarker = true
            }
        }
        let mayHaveKeys = mayHaveMarker && keyShapes.contains { text.contains($0) }
        guard mayHavePairs || mayHaveKeys else { return text }
        var result = text
        if mayHaveKeys { result = maskKeys(result) }
        if mayHavePairs { result = maskPairs(result) }
        return result
    }

    private static let delimiters: Set<Character> = ["&", " ", "\"", "'", ";", ",", "\n", "\t", ")", "]", "}", "<"]

    /// `password=hunter2&x=1` → `password=[redacted]&x=1`.
    private static func maskPairs(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            let before = rest[..<equals]
            let nameStart =
                before.lastIndex(where: { delimiters.contains($0) || $0 == "?" }).map { before.index(after: $0) }
                ?? before.startIndex
            let name = before[nameStart...]
            output += rest[...equals]
            let valueStart = rest.index(after: equals)
            let valueEnd = rest[valueStart...].firstIndex(where: { delimiters.contains($0) }) ?? rest.endIndex
            if !name.isEmpty, isSecretName(String(name)), valueStart < valueEnd {
                output += mask
            } else {
                output += rest[valueStart..<valueEnd]
            }
            rest = rest[valueEnd...]
        }
        return output + rest
    }

    /// `Bearer abc…` → `Bearer [redacted]`, `sk_live_…` → `[redacted]`.
    private static func maskKeys(_ text: String) -> String {
        var result = text
        for shape in keyShapes {
            var searchFrom = result.startIndex
            while let found = result.range(of: shape, range: searchFrom..<result.endIndex) {
                let keepsPrefix = shape.hasSuffix(" ") || shape.hasSuffix(":")
                let start = keepsPrefix ? found.upperBound : found.lowerBound
                let end = result[found.upperBound...].firstIndex(where: { delimiters.contains($0) }) ?? result.endIndex
                result.replaceSubrange(start..<end, with: mask)
                searchFrom = result.index(start, offsetBy: mask.count)
            }
        }
        return result
    }
}
