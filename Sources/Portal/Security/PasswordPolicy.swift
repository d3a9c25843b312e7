import Foundation

/// What a new password must be: 10 to 1024 bytes, and not one of the 10,000 most common passwords.
package struct PasswordPolicy: Sendable {
    package static let minimumBytes = 10
    package static let maximumBytes = 1024

    private let common: Set<String>

    /// Loads `security/common-passwords.txt` from the assets folder.
    package init(assetsDirectory: String) throws {
        let path = assetsDirectory + "/security/common-passwords.txt"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        common = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.lowercased() })
    }

    package init(commonPasswords: Set<String>) {
        common = commonPasswords
    }

    /// The reason a password is refused, or nil when it is acceptable.
    package func problem(with password: String, email: String? = nil) -> String? {
        let bytes = password.utf8.count
        if bytes < Self.minimumBytes { return tr("security.password.too_short", ["count": String(Self.minimumBytes)]) }
        if bytes > Self.maximumBytes { return tr("security.password.too_long", ["count": String(Self.maximumBytes)]) }
        if common.contains(password.lowercased()) {
            return tr("security.password.common")
        }
        if let email, !email.isEmpty, password.lowercased() == email.lowercased() {
            return tr("security.password.email")
        }
        return nil
    }
}
