import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238): HMAC-SHA1, 6 digits, 30-second steps, ±1 step of drift.
package enum TOTP {
    package static let period: TimeInterval = 30
    package static let digits = 6

    package static func generateSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in generator.next() }
    }

    package static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / period).rounded(.down))
    }

    /// The code for one time step (RFC 4226 dynamic truncation).
    package static func code(secret: [UInt8], step: Int64) -> String {
        var counter = UInt64(step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let value = binary % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step a code matches within ±1 step of `date`, if it is later than `lastUsedStep` (no reuse).
    package static func matchingStep(_ code: String, secret: [UInt8], at date: Date, lastUsedStep: Int64) -> Int64? {
        let trimmed = code.filter { !$0.isWhitespace }
        guard trimmed.count == digits, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: date)
        for candidate in [now - 1, now, now + 1] where candidate > lastUsedStep {
            if SecureToken.constantTimeEquals(self.code(secret: secret, step: candidate), trimmed) { return candidate }
        }
        return nil
    }

    /// The `otpauth://` URI an authenticator app reads from the QR code.
    package static func provisioningURI(secret: [UInt8], account: String, issuer: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~@")
        let issuerPart = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        let label = issuerPart + ":" + (account.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        let issuerParameter = issuerPart
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(issuerParameter)"
            + "&algorithm=SHA1&digits=\(digits)&period=\(Int(period))"
    }
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
package enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    package static func encode(_ bytes: [UInt8]) -> String {
        var output = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return output
    }
}
