import Foundation

/// Where and as whom the portal calls WHM: the tenant's reseller with its own API token, or root acting for
/// that reseller (a reseller the platform created, which has no token of its own).
package struct WHMCredentials: Sendable, Equatable {
    /// The WHM root, e.g. `https://server.example.com:2087`.
    package var baseURL: String
    /// The user that owns the token: the reseller itself, or `root`.
    package var username: String
    package var token: String
    /// The reseller that owns every account the portal creates; the token's user unless root acts for another.
    package var reseller: String

    package init(baseURL: String, username: String, token: String, actingFor reseller: String? = nil) {
        self.baseURL = baseURL
        self.username = username
        self.token = token
        self.reseller = reseller.flatMap { $0.isEmpty ? nil : $0 } ?? username
    }

    /// Root's token used on behalf of a reseller: every call on an account checks that the reseller owns it.
    package var actsThroughRoot: Bool { username == "root" && reseller != "root" }

    func url(for function: String) -> String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/json-api/\(function)?api.version=1"
    }
}

/// WHM API 1 as CONTRACTS.md §2 describes: `Authorization: whm user:token`, arguments as a form body (as the
/// official cPanel::APIClient sends them), and the `metadata.result`/`reason` envelope with errors in HTTP 200.
package struct WHMClient: Sendable {
    package let credentials: WHMCredentials
    let caller: UpstreamCaller

    package init(credentials: WHMCredentials, caller: UpstreamCaller) {
        self.credentials = credentials
        self.caller = caller
    }

    /// The reseller every account belongs to.
    package var reseller: String { credentials.reseller }

    /// Through root, WHM would act on any account: refuse one the reseller does not own, so a brand holding root's
    /// token can still only touch its own customers.
    func requireOwned(_ username: String) async throws {
        guard credentials.actsThroughRoot else { return }
        guard try await accounts(search: username).contains(where: { $0.user == username }) else {
            throw UpstreamError.apiError(
                .whm, action: "ownership", message: "The reseller \(reseller) has no account named “\(username)”.")
        }
    }

    func perform(
        _ function: String,
        _ arguments: [(String, String)] = [],
        safety: RepeatSafety,
        lookUp: (@Sendable () async throws -> LenientJSON?)? = nil
    ) async throws -> LenientJSON {
        let credentials = self.credentials
        return try await caller.call(
            action: function,
            safety: safety,
            request: {
                UpstreamRequest(
                    method: .post, url: credentials.url(for: function),
                    headers: [
                        ("Authorization", "whm \(credentials.username):\(credentials.token)"),
                        ("Content-Type", "application/x-www-form-urlencoded"),
                    ],
                    body: Data(
                        arguments.map { "\(PHPQuery.escape($0))=\(PHPQuery.escape($1))" }.joined(separator: "&").utf8)
                )
            },
            decode: { try Self.decode($0, function: function) },
            lookUp: lookUp
        )
    }

    /// Reads the envelope. A 403 is a refused token whatever its body (CONTRACTS.md §2.1 leaves the body open).
    static func decode(_ response: UpstreamResponse, function: String) throws -> LenientJSON {
        let json = try? LenientJSON(data: response.body)
        switch response.status {
        case 200: break
        case 401, 403:
            let reason = json?["metadata"]?["reason"]?.string ?? json?["error"]?.string ?? "Access denied"
            throw UpstreamError.authenticationFailed(.whm, message: reason)
        default:
            throw UpstreamError.badStatus(.whm, action: function, status: response.status)
        }
        guard let json, let metadata = json["metadata"], let result = metadata["result"]?.int else {
            throw UpstreamError.malformedResponse(.whm, action: function, detail: "no metadata envelope")
        }
        guard result == 1 else {
            throw UpstreamError.apiError(
                .whm, action: function, message: metadata["reason"]?.string ?? "Unknown error.")
        }
        return json
    }

    /// A harmless authenticated call: lists the reseller's packages; through root, also finds the reseller itself.
    package func checkConnection() async throws {
        _ = try await packages()
        guard credentials.actsThroughRoot else { return }
        let json = try await perform(
            "listaccts", [("search", reseller), ("searchtype", "user"), ("searchmethod", "exact")], safety: .safe)
        guard (json["data"]?["acct"]?.elements ?? []).map(WHMAccount.init).contains(where: { $0.user == reseller })
        else {
            throw UpstreamError.apiError(
                .whm, action: "listaccts", message: "The reseller \(reseller) does not exist on this server.")
        }
    }

    /// createacct, owned by the reseller. A lost answer is checked with listaccts first: an account with that
    /// name, owned by this reseller, on that domain, is ours; any other is not, and the retry's error says so.
    package func createAccount(_ account: WHMNewAccount) async throws -> WHMCreatedAccount {
        var arguments = [
            ("username", account.username), ("domain", account.domain), ("plan", account.plan),
            ("owner", reseller), ("contactemail", account.contactEmail),
        ]
        if let password = account.password { arguments.append(("password", password)) }
        let reseller = self.reseller
        let json = try await perform("createacct", arguments, safety: .lookUpFirst) {
            guard let existing = try await self.account(username: account.username),
                existing.owner == reseller, existing.domain.lowercased() == account.domain.lowercased()
            else { return nil }
            return .object([
                "metadata": .object(["result": .number(1), "reason": .string("Account Creation Ok")]),
                "data": .object(["ip": .string(existing.ip), "package": .string(existing.plan)]),
            ])
        }
        return WHMCreatedAccount(json["data"] ?? .null)
    }

    /// suspendacct; suspending again is harmless, so it may be repeated.
    package func suspend(username: String, reason: String) async throws {
        try await requireOwned(username)
        _ = try await perform("suspendacct", [("user", username), ("reason", reason)], safety: .safe)
    }

    /// unsuspendacct; may be repeated.
    package func unsuspend(username: String) async throws {
        try await requireOwned(username)
        _ = try await perform("unsuspendacct", [("user", username)], safety: .safe)
    }

    /// removeacct. After a lost answer, an account that is gone counts as removed.
    package func remove(username: String, keepDNS: Bool = false) async throws {
        try await requireOwned(username)
        _ = try await perform(
            "removeacct", [("username", username), ("keepdns", keepDNS ? "1" : "0")], safety: .lookUpFirst
        ) {
            try await self.account(username: username) == nil
                ? .object(["metadata": .object(["result": .number(1), "reason": .string("removed")])]) : nil
        }
    }

    /// listaccts. The token only sees its own accounts; rows owned by anyone else are dropped here as well.
    package func accounts(search: String? = nil, searchType: String = "user", exact: Bool = true) async throws
        -> [WHMAccount]
    {
        var arguments: [(String, String)] = []
        if let search {
            arguments += [("search", search), ("searchtype", searchType), ("searchmethod", exact ? "exact" : "regex")]
        }
        let json = try await perform("listaccts", arguments, safety: .safe)
        let reseller = self.reseller
        // The reseller's own account (it owns itself once set up) is never one of the brand's customers'.
        return (json["data"]?["acct"]?.elements ?? []).map(WHMAccount.init).filter {
            $0.owner == reseller && $0.user != reseller
        }
    }

    /// One of the reseller's accounts by user name, or nil.
    package func account(username: String) async throws -> WHMAccount? {
        try await accounts(search: username).first { $0.user == username }
    }

    /// changepackage: moves an account to another package; setting it again is harmless.
    package func changePackage(username: String, package: String) async throws {
        try await requireOwned(username)
        _ = try await perform("changepackage", [("user", username), ("pkg", package)], safety: .safe)
    }

    /// listpkgs: the packages the reseller may create accounts with (through root: those named for the reseller).
    package func packages() async throws -> [WHMPackage] {
        let json = try await perform("listpkgs", [("want", "creatable")], safety: .safe)
        let packages = (json["data"]?["pkg"]?.elements ?? []).map(WHMPackage.init)
        return credentials.actsThroughRoot ? packages.filter { $0.name.hasPrefix(reseller + "_") } : packages
    }

    /// The name WHM gives a reseller's package called `name`.
    package func packageName(_ name: String) -> String {
        name.hasPrefix(reseller + "_") ? name : "\(reseller)_\(name)"
    }

    /// addpkg: a package owned by the reseller; returns its full name. After a lost answer the package list is
    /// read, so the package is never added twice.
    @discardableResult
    package func addPackage(_ spec: WHMPackageSpec) async throws -> String {
        let full = packageName(spec.name)
        var arguments = spec.arguments
        // WHM prefixes a reseller's own packages; root's keep the name given, so root names them for the reseller.
        if credentials.actsThroughRoot { arguments[0].1 = full }
        let json = try await perform("addpkg", arguments, safety: .lookUpFirst) {
            guard try await self.packages().contains(where: { $0.name == full }) else { return nil }
            return .object(["pkg": .string(full)])
        }
        return json["pkg"]?.string ?? json["data"]?["pkg"]?.string ?? full
    }

    /// editpkg: sets a package's limits; setting them again is harmless.
    package func editPackage(_ spec: WHMPackageSpec) async throws {
        var arguments = spec.arguments
        arguments[0].1 = packageName(spec.name)
        _ = try await perform("editpkg", arguments, safety: .safe)
    }

    /// setresellernameservers for the reseller: new accounts get these nameservers.
    package func setNameservers(_ nameservers: [String]) async throws {
        _ = try await perform(
            "setresellernameservers", [("user", reseller), ("nameservers", nameservers.joined(separator: ","))],
            safety: .safe
        )
    }

    /// create_user_session: a single sign-on link into cPanel for one of the reseller's accounts.
    package func createUserSession(username: String, service: String = "cpaneld", app: String? = nil) async throws
        -> WHMUserSession
    {
        try await requireOwned(username)
        var arguments = [("user", username), ("service", service)]
        if let app { arguments.append(("app", app)) }
        let json = try await perform("create_user_session", arguments, safety: .safe)
        guard let data = json["data"], let url = data["url"]?.string else {
            throw UpstreamError.malformedResponse(.whm, action: "create_user_session", detail: "missing url")
        }
        return WHMUserSession(url: url, session: data["session"]?.string ?? "", expires: data["expires"]?.int ?? 0)
    }
}
