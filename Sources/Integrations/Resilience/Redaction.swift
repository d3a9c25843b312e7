/// What may appear of a credential in a log line: never a secret, only the last four characters of an
/// identifier (CONTRACTS and the upstream issue: "last 4 characters of the credential identifier").
package enum Redaction {
    package static let mask = "[redacted]"

    /// `…abcd` for identifiers longer than four characters, else only the mask: shorter ones would show whole.
    /// An identifier (API identifier, reseller user) is not a secret; its tail tells credentials apart in logs.
    package static func lastFour(_ identifier: String) -> String {
        guard identifier.count > 4 else { return mask }
        return "…" + identifier.suffix(4)
    }

    /// Form fields with every secret-bearing value replaced, for logging a request that failed.
    package static func fields(_ fields: [(String, String)], secrets: Set<String> = defaultSecrets) -> [(
        String, String
    )] {
        fields.map { name, value in
            let base =
                name.split(separator: "[", maxSplits: 1).first.map(String.init)?.lowercased() ?? name.lowercased()
            return (name, secrets.contains(base) ? mask : value)
        }
    }

    /// Parameter names that carry secrets in the four upstream APIs.
    package static let defaultSecrets: Set<String> = [
        "secret", "password", "password2", "accesskey", "token", "api_token", "apikey", "authtoken", "partnercode",
        "customfields", "configoptions",
    ]
}
