import Foundation

/// Where and as whom the portal calls a WHMCS installation's External API.
package struct WHMCSCredentials: Sendable, Equatable {
    /// The WHMCS root, e.g. `https://billing.example.com`; `/includes/api.php` is appended.
    package var baseURL: String
    package var identifier: String
    package var secret: String
    /// Sent only when set: it lets calls past the IP allow-list (CONTRACTS.md §1.2).
    package var accessKey: String?

    package init(baseURL: String, identifier: String, secret: String, accessKey: String? = nil) {
        self.baseURL = baseURL
        self.identifier = identifier
        self.secret = secret
        self.accessKey = accessKey
    }

    var endpoint: String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/includes/api.php"
    }
}

/// The WHMCS External API (`/includes/api.php`), spoken as CONTRACTS.md §1 describes: form-encoded POST with
/// PHP bracket arrays, `responsetype=json`, errors inside HTTP 200 and auth failures as 403.
package struct WHMCSClient: Sendable {
    package let credentials: WHMCSCredentials
    let caller: UpstreamCaller
    /// The currency of the brand's clients: every amount sent or read is in its minor unit.
    package let currency: Currency

    package init(credentials: WHMCSCredentials, caller: UpstreamCaller, currency: Currency = .gbp) {
        self.credentials = credentials
        self.caller = caller
        self.currency = currency
    }

    /// Runs one action and returns the success body; `result: error` becomes `UpstreamError.apiError`.
    func perform(
        _ action: String,
        _ fields: [(String, PHPFormValue)] = [],
        safety: RepeatSafety,
        lookUp: (@Sendable () async throws -> LenientJSON?)? = nil
    ) async throws -> LenientJSON {
        let credentials = self.credentials
        return try await caller.call(
            action: action,
            safety: safety,
            request: {
                var body: [(String, PHPFormValue)] = [
                    ("identifier", .scalar(credentials.identifier)),
                    ("secret", .scalar(credentials.secret)),
                ]
                if let accessKey = credentials.accessKey, !accessKey.isEmpty {
                    body.append(("accesskey", .scalar(accessKey)))
                }
                body += [("action", .scalar(action)), ("responsetype", .scalar("json"))]
                body += fields
                return UpstreamRequest(
                    method: .post, url: credentials.endpoint,
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                    body: Data(PHPQuery.encode(body).utf8)
                )
            },
            decode: { try Self.decode($0, action: action) },
            lookUp: lookUp
        )
    }

    /// Reads the envelope: 403 and 400 carry `{"result":"error","message":…}` like business errors do.
    static func decode(_ response: UpstreamResponse, action: String) throws -> LenientJSON {
        let json = try? LenientJSON(data: response.body)
        let message = json?["message"]?.string ?? ""
        switch response.status {
        case 200:
            break
        case 401, 403:
            throw UpstreamError.authenticationFailed(
                .whmcs, message: message.isEmpty ? "HTTP \(response.status)" : message)
        case 400..<500:
            throw UpstreamError.apiError(
                .whmcs, action: action, message: message.isEmpty ? "HTTP \(response.status)" : message)
        default:
            throw UpstreamError.badStatus(.whmcs, action: action, status: response.status)
        }
        guard let json, case .object = json else {
            throw UpstreamError.malformedResponse(.whmcs, action: action, detail: "not a JSON object")
        }
        switch json["result"]?.string?.lowercased() {
        case "success": return json
        case "error":
            throw UpstreamError.apiError(.whmcs, action: action, message: message.isEmpty ? "unknown error" : message)
        default: throw UpstreamError.malformedResponse(.whmcs, action: action, detail: "no result field")
        }
    }

    /// Reads a required integer field, accepting `"12"` and `12`.
    static func int(_ json: LenientJSON, _ key: String, action: String) throws -> Int {
        guard let value = json[key]?.int else {
            throw UpstreamError.malformedResponse(.whmcs, action: action, detail: "missing \(key)")
        }
        return value
    }

    /// `limitstart`/`limitnum` fields for a paged action.
    static func paging(_ page: WHMCSPageRequest) -> [(String, PHPFormValue)] {
        [("limitstart", .scalar(String(page.start))), ("limitnum", .scalar(String(page.size)))]
    }

    /// The items under `outer.inner[]` with the paging counters around them.
    static func page<Item>(
        _ json: LenientJSON, outer: String, inner: String, _ transform: (LenientJSON) throws -> Item
    ) rethrows -> WHMCSPage<Item> {
        let items = try (json[outer]?[inner]?.elements ?? []).map(transform)
        return WHMCSPage(
            items: items, total: json["totalresults"]?.int ?? items.count, start: json["startnumber"]?.int ?? 0
        )
    }

    /// A harmless authenticated call: lists client groups.
    package func checkConnection() async throws {
        _ = try await clientGroups()
    }
}

/// Which slice of a paged list to fetch.
package struct WHMCSPageRequest: Sendable, Equatable {
    package var start: Int
    package var size: Int

    package init(start: Int = 0, size: Int = 25) {
        self.start = max(0, start)
        self.size = min(max(1, size), 250)
    }
}

/// One page of a list: its items, the number of matches in all, and the offset used.
package struct WHMCSPage<Item: Sendable>: Sendable {
    package var items: [Item]
    package var total: Int
    package var start: Int

    /// The request for the next page, or nil on the last one.
    package var next: WHMCSPageRequest? {
        let end = start + items.count
        return items.isEmpty || end >= total ? nil : WHMCSPageRequest(start: end, size: max(items.count, 1))
    }
}

extension Dictionary where Key == Int, Value == String {
    /// `base64_encode(serialize([id => value]))`, as `customfields` and `configoptions` are sent.
    var phpSerializedBase64: String {
        PHPSerialization.base64(sorted { $0.key < $1.key }.map { (key: .int($0.key), value: $0.value) })
    }
}
