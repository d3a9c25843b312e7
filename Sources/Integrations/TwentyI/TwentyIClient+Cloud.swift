import Foundation

/// A managed cloud server as 20i lists it.
package struct TwentyICloudServer: Sendable, Equatable {
    package var id: String
    package var name: String
    package var provider: String
    package var size: String
    package var cpu: Int
    package var ramGB: Int
    package var storageGB: Int
    /// `building`, `running` or `stopped`.
    package var status: String
    package var ipAddress: String
    package var hostname: String

    package init(
        id: String, name: String, provider: String, size: String, cpu: Int, ramGB: Int, storageGB: Int,
        status: String, ipAddress: String, hostname: String
    ) {
        (self.id, self.name, self.provider, self.size) = (id, name, provider, size)
        (self.cpu, self.ramGB, self.storageGB) = (cpu, ramGB, storageGB)
        (self.status, self.ipAddress, self.hostname) = (status, ipAddress, hostname)
    }

    /// A managed VPS object (`/managed_vps`). Its fields are not documented; the name is read as `name`, or as the
    /// `mvpsName` it was made with.
    init(_ json: LenientJSON) {
        id = json["id"]?.string ?? json["id"]?.int.map(String.init) ?? ""
        name = json["name"]?.string ?? json["mvpsName"]?.string ?? ""
        provider = json["provider"]?.string ?? ""
        size = json["size"]?.string ?? ""
        cpu = json["cpu"]?.int ?? 0
        ramGB = json["ram"]?.int ?? 0
        storageGB = json["storage"]?.int ?? 0
        status = json["status"]?.string ?? ""
        ipAddress = json["ipAddress"]?.string ?? ""
        hostname = json["hostname"]?.string ?? ""
    }
}

/// A domain in the reseller's 20i account.
package struct TwentyIDomain: Sendable, Equatable {
    package var name: String
    package var expires: Date?
    package var nameservers: [String]
    package var privacy: Bool

    init(_ json: LenientJSON) {
        name = (json["name"]?.string ?? "").lowercased()
        expires = (json["expiryDate"]?.string).flatMap { ISO8601DateFormatter().date(from: $0) }
        nameservers = json["nameservers"]?.elements.compactMap(\.string) ?? []
        privacy = json["privacyService"]?.bool ?? false
    }
}

extension TwentyIClient {
    // MARK: Cloud servers

    /// 20i's provider name and server type for the catalogue's provider id (`20i`, `aws`, `gcp`).
    static func cloudProvider(_ id: String) -> (provider: String, type: String) {
        switch id.lowercased() {
        case "20i", "20icloud": ("20icloud", "cloud-20i")
        case "google", "gcp": ("gcp", "cloud-gcp")
        default: (id.lowercased(), "cloud-\(id.lowercased())")
        }
    }

    /// The addCloudServer body as 20i's managed cloud hosting guide documents it.
    static func cloudServerBody(provider id: String, size: String, label: String, stackUser: String?) -> LenientJSON {
        let (provider, type) = cloudProvider(id)
        var body: [String: LenientJSON] = [
            "configuration": .object([
                "provider": .string(provider), "mvpsName": .string(label), "optimisation": "default",
                "spec": .string(size),
            ]),
            "periodMonths": 1, "type": .string(type),
        ]
        if let stackUser { body["forUser"] = .string(stackUser) }
        return .object(body)
    }

    /// addCloudServer: a server of `size` at `provider` (20i's own, or AWS or Google Cloud through 20i), named so a
    /// lost answer finds the server made rather than making a second one. The answer's shape is not documented: an
    /// id in it (bare, as `result`, or as `result.id`) is used, else the server is found by its name.
    package func addCloudServer(provider: String, size: String, label: String, stackUser: String? = nil) async throws
        -> String
    {
        let find: @Sendable () async throws -> LenientJSON? = {
            guard let existing = try await self.cloudServers().first(where: { $0.name == label }) else { return nil }
            return .object(["result": .string(existing.id)])
        }
        let json = try await perform(
            .post, "/reseller/\(Self.reseller)/addCloudServer", action: "addCloudServer",
            body: Self.cloudServerBody(provider: provider, size: size, label: label, stackUser: stackUser),
            safety: .lookUpFirst, lookUp: find)
        let result = try Self.result(json, action: "addCloudServer")
        if let id = result.string ?? result.int.map(String.init) ?? result["id"]?.string
            ?? result["id"]?.int.map(String.init), !id.isEmpty
        {
            return id
        }
        guard let found = try await find()?["result"]?.string else {
            throw UpstreamError.malformedResponse(.twentyI, action: "addCloudServer", detail: "no server id")
        }
        return found
    }

    /// The reseller's managed cloud servers (`GET /managed_vps`).
    package func cloudServers() async throws -> [TwentyICloudServer] {
        try await perform(.get, "/managed_vps", action: "listCloudServers", safety: .safe).elements.map(
            TwentyICloudServer.init)
    }

    /// One server (`GET /managed_vps/{id}`); nil when 20i answers 404, as its own SDK reads it.
    package func cloudServer(id: String) async throws -> TwentyICloudServer? {
        let json = try await perform(
            .get, "/managed_vps/\(Self.pathSegment(id))", action: "cloudServer", safety: .safe, missing: .null)
        return json == .null ? nil : TwentyICloudServer(json)
    }

    // MARK: Domains in the account

    package func domains() async throws -> [TwentyIDomain] {
        try await perform(.get, "/domain", action: "listDomains", safety: .safe).elements.map(TwentyIDomain.init)
    }

    package func domain(_ name: String) async throws -> TwentyIDomain? {
        try await domains().first { $0.name == name.lowercased() }
    }

    /// A domain registered here has its own zone and settings, addressed by name as package and domain alike.
    static func domainPath(_ name: String) -> String {
        let segment = pathSegment(name)
        return "/package/\(segment)/domain/\(segment)"
    }

    static func pathSegment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._")))
            ?? value
    }

    package func nameservers(domain: String) async throws -> [String] {
        let json = try await perform(
            .get, Self.domainPath(domain) + "/nameservers", action: "getNameservers", safety: .safe)
        // The vendor SDK reads `result`; other integrations see a bare list or `ns`.
        return (json["result"]?.elements ?? json["ns"]?.elements ?? json.elements).compactMap(\.string)
    }

    /// Replaces the domain's nameservers (`old-ns` names the ones to drop, as the contract's call takes them).
    package func setNameservers(domain: String, to nameservers: [String], replacing old: [String]) async throws {
        let body: LenientJSON = .object([
            "ns": .array(nameservers.map(LenientJSON.string)),
            "old-ns": .array(old.filter { !nameservers.contains($0) }.map(LenientJSON.string)),
        ])
        _ = try Self.result(
            try await perform(
                .post, Self.domainPath(domain) + "/nameservers", action: "setNameservers", body: body, safety: .safe),
            action: "setNameservers"
        )
    }

    /// Turns WHOIS privacy on or off (`privacyState`; `/privacy` sets where privacy mail goes, not whether it is
    /// on); setting it again is harmless.
    package func setPrivacy(domain: String, enabled: Bool) async throws {
        let body: LenientJSON = .object(["enabled": .bool(enabled)])
        _ = try Self.result(
            try await perform(
                .post, Self.domainPath(domain) + "/privacyState", action: "setPrivacy", body: body, safety: .safe),
            action: "setPrivacy"
        )
    }

    /// The zone of a domain registered here (no hosting package of its own).
    package func dnsRecords(domain: String) async throws -> [ZoneRecord] {
        try await dnsRecords(package: domain, domain: domain)
    }

    package func updateDNS(domain: String, add: [DNSRecord], delete: [String]) async throws {
        try await updateDNS(package: domain, domain: domain, add: add, delete: delete)
    }

    // MARK: StackCP users and single sign-on

    /// Makes a StackCP user (susers) and returns its reference, `stack-user:N`. Never looked up by email: a 20i
    /// account shared by several brands may hold the same address for another brand's customer, so the portal keeps
    /// the reference it was given and a lost answer is reported, not guessed.
    package func addStackUser(email: String, name: String) async throws -> String {
        let body: LenientJSON = .object([
            "newUser": .object([
                "email": .string(email), "person_name": .string(name), "sendNewStackUserEmail": .bool(false),
            ])
        ])
        let json = try await perform(
            .post, "/reseller/\(Self.reseller)/susers", action: "addStackUser", body: body, safety: .once)
        guard let reference = try Self.result(json, action: "addStackUser")["ref"]?.string else {
            throw UpstreamError.malformedResponse(.twentyI, action: "addStackUser", detail: "no stack user reference")
        }
        return reference
    }

    /// The reseller's StackCP users (susers): each one's reference (`stack-user:N`) and the address it signs in with.
    package func stackUsers() async throws -> [(reference: String, email: String)] {
        let json = try await perform(.get, "/reseller/\(Self.reseller)/susers", action: "stackUsers", safety: .safe)
        return (json["users"]?.elements ?? []).compactMap { user in
            guard let id = user["id"]?.string ?? user["id"]?.int.map(String.init), let name = user["name"]?.string
            else { return nil }
            return ("\(user["type"]?.string ?? "stack-user"):\(id)", name)
        }
    }

    /// StackCP single sign-on (CONTRACTS.md §3.2): a token for the stack user, the reseller's branding, a branded
    /// session, then the address that opens it. Valid once, for a short while; never stored.
    package func singleSignOn(stackUser: String) async throws -> String {
        try await singleSignOn(stackUser: stackUser, packageDomain: nil)
    }

    /// Single sign-on for a package's stack user, landing on the package's own domain when the reseller's branding
    /// says `*`.
    package func singleSignOn(stackUser: String, packageDomain: String?) async throws -> String {
        let credentials = self.credentials
        let tokenBody: LenientJSON = .object(["grant_type": "client_credentials", "scope": .string(stackUser)])
        let token = try await caller.call(
            action: "ssoAuthenticate", safety: .safe,
            request: {
                UpstreamRequest(
                    method: .post, url: credentials.authURL + "/login/authenticate",
                    headers: [("Authorization", credentials.authorization), ("Content-Type", "application/json")],
                    body: try JSONEncoder().encode(tokenBody)
                )
            },
            decode: { try Self.decode($0, action: "ssoAuthenticate") }
        )
        guard let accessToken = token["access_token"]?.string, !accessToken.isEmpty else {
            throw UpstreamError.malformedResponse(.twentyI, action: "ssoAuthenticate", detail: "no access token")
        }
        let branding = try await perform(
            .get, "/reseller/\(Self.reseller)/customisations", action: "customisations", safety: .safe)
        let sessionBody: LenientJSON = .object(["brand": branding])
        let session = try await caller.call(
            action: "ssoSession", safety: .safe,
            request: {
                UpstreamRequest(
                    method: .post, url: credentials.stackCPURL + "/login/implicitBranded",
                    headers: [
                        ("Authorization", "Bearer " + Data(accessToken.utf8).base64EncodedString()),
                        ("Content-Type", "application/json"),
                    ],
                    body: try JSONEncoder().encode(sessionBody)
                )
            },
            decode: { try Self.decode($0, action: "ssoSession") }
        )
        guard let id = session["session_id"]?.string, !id.isEmpty else {
            throw UpstreamError.malformedResponse(.twentyI, action: "ssoSession", detail: "no session id")
        }
        return Self.signOnAddress(
            branding: branding, packageDomain: packageDomain, fallback: credentials.stackCPURL,
            path: "/login/sso?PHPSESSID=" + Self.pathSegment(id))
    }

    /// Where a StackCP session opens: the reseller's branded control-panel host when it has one. A brand domain of
    /// `*` means the package's own domain, as 20i's SDK reads it; with none to hand, StackCP's own address.
    static func signOnAddress(branding: LenientJSON, packageDomain: String?, fallback: String, path: String) -> String {
        guard let brandDomain = branding["brandDomain"]?.string, !brandDomain.isEmpty,
            let sub = branding["brandSubdomain"]?.string, !sub.isEmpty
        else { return fallback + path }
        let domain = brandDomain == "*" ? packageDomain : brandDomain
        guard let domain, !domain.isEmpty, !domain.contains("*") else { return fallback + path }
        return "https://\(sub).\(domain)\(path)"
    }
}

extension TwentyICredentials {
    static let liveAPI = "https://api.20i.com"

    private var trimmedBase: String { baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL }

    /// 20i's auth service; the simulator answers on its own address.
    var authURL: String { trimmedBase == Self.liveAPI ? "https://auth-api.20i.com:3000" : trimmedBase }

    /// StackCP, where single sign-on lands; the simulator answers on its own address.
    var stackCPURL: String { trimmedBase == Self.liveAPI ? "https://www.stackcp.com" : trimmedBase }
}
