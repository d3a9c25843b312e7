import Foundation

extension WHMClient {
    /// installssl: installs a certificate, its key and CA bundle for `domain` on the account that has it; installing
    /// the same again is harmless.
    package func installCertificate(
        domain: String, account username: String, certificate: String, key: String, caBundle: String
    ) async throws {
        try await requireOwned(username)
        _ = try await perform(
            // WHM reads the CA bundle as `cab` (Whostmgr/API/1/SSL.pm); any other name is silently dropped.
            "installssl", [("domain", domain), ("crt", certificate), ("key", key), ("cab", caBundle)],
            safety: .safe
        )
    }

    /// Saves a file in an account's home through UAPI `Fileman::save_file_content` (WHM's `cpanel` function), e.g. a
    /// certificate's domain-validation file; saving it again overwrites it.
    package func saveFile(account username: String, directory: String, name: String, content: String) async throws {
        try await requireOwned(username)
        let credentials = self.credentials
        let arguments = [
            ("cpanel_jsonapi_user", username), ("cpanel_jsonapi_module", "Fileman"),
            ("cpanel_jsonapi_func", "save_file_content"),
            ("cpanel_jsonapi_apiversion", "3"), ("dir", directory), ("file", name), ("content", content),
        ]
        _ = try await caller.call(
            action: "Fileman::save_file_content", safety: .safe,
            request: {
                UpstreamRequest(
                    method: .post, url: credentials.url(for: "cpanel"),
                    headers: [
                        ("Authorization", "whm \(credentials.username):\(credentials.token)"),
                        ("Content-Type", "application/x-www-form-urlencoded"),
                    ],
                    body: Data(
                        arguments.map { "\(PHPQuery.escape($0))=\(PHPQuery.escape($1))" }.joined(separator: "&").utf8)
                )
            },
            decode: { response in
                // UAPI through WHM: the UAPI object sits under `result` (CONTRACTS.md §2.4).
                guard response.status == 200 else {
                    if response.status == 401 || response.status == 403 {
                        throw UpstreamError.authenticationFailed(.whm, message: "Access denied")
                    }
                    throw UpstreamError.badStatus(.whm, action: "Fileman::save_file_content", status: response.status)
                }
                guard let json = try? LenientJSON(data: response.body), let result = json["result"],
                    let status = result["status"]?.int
                else {
                    throw UpstreamError.malformedResponse(
                        .whm, action: "Fileman::save_file_content", detail: "no UAPI result")
                }
                guard status == 1 else {
                    let message = result["errors"]?.elements.compactMap(\.string).joined(separator: "; ") ?? "refused"
                    throw UpstreamError.apiError(.whm, action: "Fileman::save_file_content", message: message)
                }
                return result
            }
        )
    }
}

extension WHMClient {
    /// The WHM privileges (ACLs) the portal's calls need of the brand's reseller.
    package static let privilegesNeeded = [
        "create-acct", "suspend-acct", "kill-acct", "list-accts", "upgrade-account", "list-pkgs", "add-pkg",
        "edit-pkg", "create-user-session", "ssl", "cpanel-api",
    ]

    /// myprivs: the privileges the calling user holds (`all` stands for every one).
    package func privileges() async throws -> Set<String> {
        let json = try await perform("myprivs", safety: .safe)
        var held: Set<String> = []
        for entry in json["data"]?["privileges"]?.elements ?? [] {
            guard case .object(let flags) = entry else { continue }
            for (name, value) in flags where value.int == 1 || value.bool == true { held.insert(name) }
        }
        return held
    }

    /// The needed privileges the reseller lacks; none when it holds `all`.
    package func missingPrivileges() async throws -> [String] {
        let held = try await privileges()
        if held.contains("all") { return [] }
        return Self.privilegesNeeded.filter { !held.contains($0) }
    }
}
