import Foundation

/// Where and with which key the portal calls 20i's reseller API.
package struct TwentyICredentials: Sendable, Equatable {
    /// `https://api.20i.com` live; the simulator's address in sandbox mode.
    package var baseURL: String
    /// The reseller's General API key, sent as `Bearer base64(key)` (CONTRACTS.md §3.1).
    package var generalKey: String

    package init(baseURL: String = "https://api.20i.com", generalKey: String) {
        self.baseURL = baseURL
        self.generalKey = generalKey
    }

    func url(_ path: String) -> String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + path
    }

    var authorization: String { "Bearer " + Data(generalKey.utf8).base64EncodedString() }
}

/// A hosting package type (plan) of the reseller.
package struct TwentyIPackageType: Sendable, Equatable {
    package var id: String
    package var name: String
    package var platform: String

    init(_ json: LenientJSON) {
        id = json["id"]?.string ?? ""
        name = json["label"]?.string ?? json["name"]?.string ?? ""
        platform = json["platform"]?.string ?? ""
    }
}

/// One hosting package as `GET /package` lists it.
package struct TwentyIPackage: Sendable, Equatable {
    package var id: String
    package var name: String
    package var names: [String]
    package var enabled: Bool
    package var typeRef: String
    package var packageTypeName: String
    package var stackUsers: [String]

    init(_ json: LenientJSON) {
        id = json["id"]?.string ?? ""
        name = json["name"]?.string ?? ""
        names = json["names"]?.elements.compactMap(\.string) ?? []
        enabled = json["enabled"]?.bool ?? true
        typeRef = json["typeRef"]?.string ?? ""
        packageTypeName = json["packageTypeName"]?.string ?? ""
        stackUsers = json["stackUsers"]?.elements.compactMap(\.string) ?? []
    }
}

/// One result of a domain search.
package struct TwentyIDomainResult: Sendable, Equatable {
    package var name: String
    package var available: Bool
    /// A name 20i suggests rather than the one asked for.
    package var isSuggestion: Bool

    package init(name: String, available: Bool, isSuggestion: Bool) {
        (self.name, self.available, self.isSuggestion) = (name, available, isSuggestion)
    }
}

/// 20i's reseller REST API (CONTRACTS.md §3): JSON bodies, `{"result": …}` answers to writes, errors as non-2xx
/// statuses (402 when the reseller's balance is short). Same caller as WHMCS and WHM: timeouts, retries, breaker and
/// one log line per call.
package struct TwentyIClient: Sendable {
    package let credentials: TwentyICredentials
    let caller: UpstreamCaller

    package init(credentials: TwentyICredentials, caller: UpstreamCaller) {
        self.credentials = credentials
        self.caller = caller
    }

    /// The reseller is addressed as `*` (yourself), as the contract allows.
    static let reseller = "*"

    func perform(
        _ method: UpstreamRequest.Method, _ path: String, action: String, body: LenientJSON? = nil,
        safety: RepeatSafety, missing: LenientJSON? = nil,
        lookUp: (@Sendable () async throws -> LenientJSON?)? = nil
    ) async throws -> LenientJSON {
        let credentials = self.credentials
        let data = try body.map { try JSONEncoder().encode($0) }
        return try await caller.call(
            action: action, safety: safety,
            request: {
                var headers = [("Authorization", credentials.authorization), ("Accept", "application/json")]
                if data != nil { headers.append(("Content-Type", "application/json")) }
                return UpstreamRequest(method: method, url: credentials.url(path), headers: headers, body: data)
            },
            decode: { response in
                // A read that may find nothing: 404 is an answer (`missing`), as 20i's own SDK reads it.
                if response.status == 404, let missing { return missing }
                return try Self.decode(response, action: action)
            },
            lookUp: lookUp
        )
    }

    /// 2xx: the JSON body (a streamed search answer is one JSON value per line, read as an array). 401/403: refused
    /// key. 402: not enough balance. 404: nothing there. Anything else: the status, with 20i's message when it sent one.
    static func decode(_ response: UpstreamResponse, action: String) throws -> LenientJSON {
        let json = try? LenientJSON(data: response.body)
        let message = json?["error"]?["message"]?.string ?? json?["error"]?.string ?? json?["message"]?.string
        switch response.status {
        case 200..<300:
            if let json { return json }
            let lines = String(decoding: response.body, as: UTF8.self).split(whereSeparator: \.isNewline)
            let values = lines.compactMap { try? LenientJSON(data: Data($0.utf8)) }
            guard !values.isEmpty || lines.isEmpty else {
                throw UpstreamError.malformedResponse(.twentyI, action: action, detail: "not JSON")
            }
            return .array(values)
        case 401, 403: throw UpstreamError.authenticationFailed(.twentyI, message: message ?? "the API key was refused")
        case 402:
            throw UpstreamError.apiError(
                .twentyI, action: action, message: message ?? "payment required: the 20i balance is too low")
        case 404: throw UpstreamError.apiError(.twentyI, action: action, message: message ?? "not found")
        case 400..<500:
            throw UpstreamError.apiError(
                .twentyI, action: action, message: message ?? "refused with HTTP \(response.status)")
        default: throw UpstreamError.badStatus(.twentyI, action: action, status: response.status)
        }
    }

    /// A write's `result`, which must be present and not empty or false. Some calls answer with the bare value
    /// (transferDomain "will return true"), which counts the same.
    static func result(_ json: LenientJSON, action: String) throws -> LenientJSON {
        let result: LenientJSON? =
            switch json {
            case .object: json["result"]
            case .array: nil
            default: json
            }
        guard let result, result != .null, result != .bool(false), result != .string("") else {
            throw UpstreamError.apiError(.twentyI, action: action, message: "20i answered without a result")
        }
        return result
    }

    // MARK: Hosting

    /// A harmless authenticated call: the reseller's package types.
    package func checkConnection() async throws {
        _ = try await packageTypes()
    }

    package func packageTypes() async throws -> [TwentyIPackageType] {
        let json = try await perform(
            .get, "/reseller/\(Self.reseller)/packageTypes", action: "packageTypes", safety: .safe)
        return json.elements.map(TwentyIPackageType.init)
    }

    package func packages() async throws -> [TwentyIPackage] {
        try await perform(.get, "/package", action: "listPackages", safety: .safe).elements.map(TwentyIPackage.init)
    }

    /// addWeb: a hosting package of `type` on `domain`; returns the package id. After a lost answer the package
    /// list is read, so a package on that domain is found instead of made twice.
    package func addWeb(type: String, domain: String, label: String? = nil, stackUser: String? = nil) async throws
        -> String
    {
        var body: [String: LenientJSON] = ["type": .string(type), "domain_name": .string(domain)]
        if let label { body["label"] = .string(label) }
        if let stackUser { body["stackUser"] = .string(stackUser) }
        let json = try await perform(
            .post, "/reseller/\(Self.reseller)/addWeb", action: "addWeb", body: .object(body), safety: .lookUpFirst
        ) {
            guard
                let existing = try await self.packages().first(where: { $0.name == domain || $0.names.contains(domain) }
                )
            else { return nil }
            return .object(["result": .string(existing.id)])
        }
        guard let id = try Self.result(json, action: "addWeb").string, !id.isEmpty else {
            throw UpstreamError.malformedResponse(.twentyI, action: "addWeb", detail: "no package id")
        }
        return id
    }

    /// userStatus: suspends (`enabled: false`) or restores a package; setting it again is harmless.
    package func setEnabled(_ enabled: Bool, package id: String) async throws {
        let body: LenientJSON = .object(["subservices": .object(["default": .bool(enabled)])])
        _ = try Self.result(
            try await perform(.post, "/package/\(id)/userStatus", action: "userStatus", body: body, safety: .safe),
            action: "userStatus")
    }

    /// deleteWeb; deleting a package that is gone already counts as done.
    package func deleteWeb(_ id: String) async throws {
        guard try await packages().contains(where: { $0.id == id }) else { return }
        let body: LenientJSON = .object(["delete-id": .array([.string(id)])])
        _ = try await perform(
            .post, "/reseller/\(Self.reseller)/deleteWeb", action: "deleteWeb", body: body, safety: .lookUpFirst
        ) {
            try await self.packages().contains(where: { $0.id == id }) ? nil : .object(["result": .bool(true)])
        }
    }

    /// updatePackage: moves a package to another type (plan); setting it again is harmless.
    package func changeType(package id: String, to type: String) async throws {
        let body: LenientJSON = .object([
            "id": .array([.string(id)]), "packageBundleTypes": .object([id: .string(type)]),
        ])
        _ = try Self.result(
            try await perform(
                .post, "/reseller/\(Self.reseller)/updatePackage", action: "updatePackage", body: body, safety: .safe),
            action: "updatePackage"
        )
    }

    // MARK: Domains

    /// domain-search: the first element is a header; each other element is one name with its availability.
    package func searchDomains(_ query: String) async throws -> [TwentyIDomainResult] {
        let escaped =
            query.addingPercentEncoding(
                withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? query
        let json = try await perform(.get, "/domain-search/\(escaped)", action: "domainSearch", safety: .safe)
        return json.elements.compactMap { entry in
            guard entry["header"] == nil, let name = entry["name"]?.string ?? entry["domain"]?.string else {
                return nil
            }
            return TwentyIDomainResult(
                name: name.lowercased(),
                available: entry["can"]?.string == "register" || entry["available"]?.bool == true,
                isSuggestion: entry["suggestion"]?.bool ?? false
            )
        }
    }

    /// The contact a domain is registered to.
    package struct Contact: Sendable, Equatable {
        package var name, organisation, address, city, state, postcode, country, telephone, email: String

        package init(
            name: String, organisation: String = "", address: String, city: String, state: String = "",
            postcode: String, country: String, telephone: String, email: String
        ) {
            (self.name, self.organisation, self.address, self.city, self.state) = (
                name, organisation, address, city, state
            )
            (self.postcode, self.country, self.telephone, self.email) = (postcode, country, telephone, email)
        }

        var json: LenientJSON {
            .object([
                "name": .string(name), "organisation": .string(organisation), "address": .string(address),
                "city": .string(city),
                "sp": .string(state), "pc": .string(postcode), "cc": .string(country), "telephone": .string(telephone),
                "email": .string(email),
            ])
        }
    }

    /// addDomain (or transferDomain with an auth code), with the brand's nameservers; charged to the 20i balance.
    package func registerDomain(
        _ name: String, years: Int, contact: Contact, nameservers: [String], privacy: Bool, transferCode: String? = nil
    ) async throws {
        var body: [String: LenientJSON] = [
            "name": .string(name), "years": .number(Double(years)), "contact": contact.json,
            "nameservers": .array(nameservers.map(LenientJSON.string)), "privacyService": .bool(privacy),
        ]
        let action = transferCode == nil ? "addDomain" : "transferDomain"
        if let transferCode { body["authcode"] = .string(transferCode) }
        _ = try Self.result(
            try await perform(
                .post, "/reseller/\(Self.reseller)/\(action)", action: action, body: .object(body), safety: .once),
            action: action
        )
    }

    /// renewDomain for `years` more.
    package func renewDomain(_ name: String, years: Int, privacy: Bool) async throws {
        let body: LenientJSON = .object([
            "name": .string(name), "years": .number(Double(years)), "renewPrivacy": .bool(privacy),
        ])
        _ = try Self.result(
            try await perform(
                .post, "/reseller/\(Self.reseller)/renewDomain", action: "renewDomain", body: body, safety: .once),
            action: "renewDomain"
        )
    }

    // MARK: DNS

    /// One record as 20i lists it, with its id for deletion.
    package struct ZoneRecord: Sendable, Equatable {
        package var id: String
        package var type: String
        package var host: String
        package var value: String

        package init(id: String, type: String, host: String, value: String) {
            (self.id, self.type, self.host, self.value) = (id, type, host, value)
        }
    }

    /// The zone of `domain` on package `package` (records either under `records` or as a bare array).
    package func dnsRecords(package id: String, domain: String) async throws -> [ZoneRecord] {
        let json = try await perform(.get, "/package/\(id)/domain/\(domain)/dns", action: "getDNS", safety: .safe)
        let entries = json["records"]?.elements ?? json.elements
        return entries.map { entry in
            ZoneRecord(
                id: entry["ref"]?.string ?? entry["id"]?.string ?? "", type: entry["type"]?.string ?? "",
                host: entry["host"]?.string ?? "",
                value: entry["ip"]?.string ?? entry["ipv6"]?.string ?? entry["target"]?.string ?? entry["txt"]?.string
                    ?? entry["value"]?.string ?? ""
            )
        }
    }

    /// Adds and deletes records in one call; each added type's records are sent as an array of entries.
    package func updateDNS(package id: String, domain: String, add: [DNSRecord], delete: [String]) async throws {
        let grouped = Dictionary(grouping: add, by: \.kind.rawValue).mapValues {
            LenientJSON.array($0.map(\.twentyIEntry))
        }
        let body: LenientJSON = .object(["new": .object(grouped), "delete": .array(delete.map(LenientJSON.string))])
        _ = try Self.result(
            try await perform(
                .post, "/package/\(id)/domain/\(domain)/dns", action: "setDNS", body: body, safety: .once),
            action: "setDNS"
        )
    }
}
