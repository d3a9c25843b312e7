/// The one-time key a form carries so that sending it twice does one thing (an order, a plan change, a cancellation).
enum IdempotencyKey {
    /// 20 to 64 letters, digits, `-` or `_`: what `SecureToken` makes; anything else is not one of ours.
    static func isWellFormed(_ key: String) -> Bool {
        (20...64).contains(key.count)
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
