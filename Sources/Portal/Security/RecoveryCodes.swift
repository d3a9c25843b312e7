/// Ten single-use codes that stand in for the authenticator when the phone is lost.
package enum RecoveryCodes {
    private static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    /// Codes such as `k7qm-2xvd-p9`: 50 random bits each, easy to read aloud and type.
    package static func generate(count: Int = 10) -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            let characters = (0..<10).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
            return String(characters[0..<4]) + "-" + String(characters[4..<8]) + "-" + String(characters[8..<10])
        }
    }

    /// Lower-case with spaces and hyphens removed, as typed codes vary.
    package static func normalize(_ code: String) -> String {
        code.lowercased().filter { !$0.isWhitespace && $0 != "-" }
    }

    package static func hash(_ code: String) -> String {
        SecureToken.hash("recovery:" + normalize(code))
    }
}
