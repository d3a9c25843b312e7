import Foundation

/// The partner account the portal orders certificates with.
package struct SSLStoreCredentials: Sendable, Equatable {
    /// `https://api.thesslstore.com/rest` live, `https://sandbox-wbapi.thesslstore.com/rest` for their sandbox, or the
    /// simulator's address.
    package var baseURL: String
    package var partnerCode: String
    package var authToken: String

    package init(baseURL: String = "https://api.thesslstore.com/rest", partnerCode: String, authToken: String) {
        self.baseURL = baseURL
        self.partnerCode = partnerCode
        self.authToken = authToken
    }

    func url(_ path: String) -> String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + path
    }
}

/// A certificate product with its price for one period.
package struct SSLStoreProduct: Sendable, Equatable {
    package var code: String
    package var name: String
    package var isWildcard: Bool
    package var allowsSAN: Bool
    package var vendor: String
    /// Months → price in minor units (the partner's cost).
    package var prices: [Int: Int64]

    init(_ json: LenientJSON) {
        code = json.field("ProductCode")?.string ?? ""
        name = json.field("ProductName")?.string ?? ""
        isWildcard = json.field("IsWlidcard")?.bool ?? json.field("IsWildcard")?.bool ?? false
        allowsSAN = json.field("IsSanEnable")?.bool ?? false
        vendor = json.field("VendorName")?.string ?? ""
        var prices: [Int: Int64] = [:]
        for entry in json.field("PricingInfo")?.elements ?? [] {
            if let months = entry.field("NumberOfMonths")?.int, let price = entry.field("Price")?.minorUnits(in: .usd) {
                prices[months] = price
            }
        }
        self.prices = prices
    }
}

/// An order as TheSSLStore reports it: status, domain validation details and dates.
package struct SSLStoreOrder: Sendable, Equatable {
    package var id: String
    package var customID: String
    package var majorStatus: String
    package var minorStatus: String
    package var commonName: String
    package var dnsNames: [String]
    /// HTTP file validation: the file to serve at `/.well-known/pki-validation/<name>`.
    package var authFileName: String
    package var authFileContent: String
    /// DNS validation: the CNAME to create.
    package var cnameName: String
    package var cnameValue: String
    package var startDate: String
    package var endDate: String
    package var reissueCode: String

    package var isActive: Bool { majorStatus.caseInsensitiveCompare("Active") == .orderedSame }

    init(_ json: LenientJSON) {
        id = json.field("TheSSLStoreOrderID")?.string ?? ""
        customID = json.field("CustomOrderID")?.string ?? ""
        let status = json.field("OrderStatus")
        majorStatus = status?.field("MajorStatus")?.string ?? ""
        minorStatus = status?.field("MinorStatus")?.string ?? ""
        commonName = json.field("CommonName")?.string ?? ""
        dnsNames = (json.field("DNSNames")?.string ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        authFileName = json.field("AuthFileName")?.string ?? ""
        authFileContent = json.field("AuthFileContent")?.string ?? ""
        cnameName = json.field("CNAMEAuthName")?.string ?? ""
        cnameValue = json.field("CNAMEAuthValue")?.string ?? ""
        startDate = json.field("CertificateStartDate")?.string ?? ""
        endDate = json.field("CertificateEndDate")?.string ?? ""
        reissueCode = json.field("ReissueSuccessCode")?.string ?? ""
    }
}

/// How the domain proves control.
package enum DomainValidation: String, Sendable, CaseIterable {
    /// A file under `/.well-known/pki-validation/`.
    case httpFile = "file"
    /// A CNAME record.
    case dns
    /// An email to an approver address.
    case email
}

/// TheSSLStore's REST API (CONTRACTS.md §4): JSON POSTs with an `AuthRequest` in every body, errors in-band
/// (`AuthResponse.isError` and `Message`), and a fresh `ReplayToken` per call: a reply echoing another call's token is
/// refused, so a stale or foreign answer is never taken for this call's; a reply with no echo is taken and logged.
package struct SSLStoreClient: Sendable {
    package let credentials: SSLStoreCredentials
    let caller: UpstreamCaller
    /// Makes each call's replay token; tests may fix it.
    var replayToken: @Sendable () -> String = { UUID().uuidString }

    package init(credentials: SSLStoreCredentials, caller: UpstreamCaller) {
        self.credentials = credentials
        self.caller = caller
    }

    func perform(_ path: String, action: String, fields: [String: LenientJSON], safety: RepeatSafety) async throws
        -> LenientJSON
    {
        let (credentials, replay) = (self.credentials, replayToken())
        var body = fields
        body["AuthRequest"] = .object([
            "PartnerCode": .string(credentials.partnerCode), "AuthToken": .string(credentials.authToken),
            "ReplayToken": .string(replay),
            "UserAgent": .string("portal"), "IPAddress": "", "TokenID": "", "TokenCode": "", "Token": "",
            "IsUsedForTokenSystem": .bool(false),
        ])
        let data = try JSONEncoder().encode(LenientJSON.object(body))
        return try await caller.call(
            action: action, safety: safety,
            request: {
                UpstreamRequest(
                    method: .post, url: credentials.url(path),
                    headers: [("Content-Type", "application/json; charset=utf-8"), ("Accept", "application/json")],
                    body: data
                )
            },
            decode: { [logger = caller.logger] response in
                try Self.decode(response, action: action, replay: replay) {
                    logger.warning(
                        "TheSSLStore answered without echoing the ReplayToken", metadata: ["action": "\(action)"])
                }
            }
        )
    }

    /// The answer's JSON. An `AuthResponse` that echoes a different `ReplayToken` is refused; one with no echo is
    /// taken, with `unechoed` called: the vendor's own SDK never shows the live service echoing it (CONTRACTS.md,
    /// Corrections). `Message` is read as a list or a single string.
    static func decode(
        _ response: UpstreamResponse, action: String, replay: String, unechoed: () -> Void = {}
    ) throws -> LenientJSON {
        guard (200..<300).contains(response.status) else {
            throw UpstreamError.badStatus(.sslStore, action: action, status: response.status)
        }
        guard let json = try? LenientJSON(data: response.body) else {
            throw UpstreamError.malformedResponse(.sslStore, action: action, detail: "not JSON")
        }
        // Arrays carry an AuthResponse per element; errors show on the first.
        let first = json.elements.first ?? json
        guard let auth = first.field("AuthResponse") else {
            if case .array(let items) = json, items.isEmpty { return json }
            throw UpstreamError.malformedResponse(.sslStore, action: action, detail: "no AuthResponse")
        }
        if auth.field("isError")?.bool == true {
            let field = auth.field("Message")
            let message = (field?.string.map { [$0] } ?? field?.elements.compactMap(\.string) ?? [])
                .joined(separator: " ")
            if message.lowercased().contains("auth") || message.lowercased().contains("partner") {
                throw UpstreamError.authenticationFailed(.sslStore, message: message.isEmpty ? "refused" : message)
            }
            throw UpstreamError.apiError(.sslStore, action: action, message: message.isEmpty ? "refused" : message)
        }
        switch auth.field("ReplayToken") {
        case nil, .null, .string(""): unechoed()
        case .string(replay): break
        default:
            throw UpstreamError.malformedResponse(
                .sslStore, action: action, detail: "the ReplayToken echoed is another call's")
        }
        return json
    }

    /// A harmless authenticated call: the product list.
    package func checkConnection() async throws {
        _ = try await products()
    }

    package func products(code: String? = nil) async throws -> [SSLStoreProduct] {
        var fields: [String: LenientJSON] = ["ProductType": .number(0)]
        if let code { fields["ProductCode"] = .string(code) }
        return try await perform("/product/query/", action: "productQuery", fields: fields, safety: .safe).elements.map(
            SSLStoreProduct.init)
    }

    /// New order for `domain` (and `sans`), validated as `validation`; `customID` (the portal's order number) lets
    /// a lost answer be found with `order(customID:)` instead of ordering twice.
    package func newOrder(
        product: String, months: Int, csr: String, domain: String, sans: [String] = [], validation: DomainValidation,
        approverEmail: String? = nil, customID: String, contactEmail: String,
        contactName: (first: String, last: String), isRenewal: Bool = false
    ) async throws -> SSLStoreOrder {
        let contact: LenientJSON = .object([
            "FirstName": .string(contactName.first), "LastName": .string(contactName.last),
            "Email": .string(contactEmail), "Phone": "",
        ])
        let fields: [String: LenientJSON] = [
            "CustomOrderID": .string(customID), "ProductCode": .string(product),
            "ValidityPeriod": .number(Double(months)), "ServerCount": .number(1),
            "CSR": .string(csr), "DomainName": .string(domain), "DNSNames": .array(sans.map(LenientJSON.string)),
            "WebServerType": "Other",
            "FileAuthDVIndicator": .bool(validation == .httpFile), "CNAMEAuthDVIndicator": .bool(validation == .dns),
            "HTTPSFileAuthDVIndicator": .bool(false), "ApproverEmail": .string(approverEmail ?? ""),
            "AdminContact": contact,
            "TechnicalContact": contact, "isCUOrder": .bool(false), "isRenewalOrder": .bool(isRenewal),
            "isTrialOrder": .bool(false),
            "DateTimeCulture": "en-US", "SignatureHashAlgorithm": "PREFER_SHA2",
        ]
        return SSLStoreOrder(try await perform("/order/neworder/", action: "newOrder", fields: fields, safety: .once))
    }

    package func order(id: String) async throws -> SSLStoreOrder {
        SSLStoreOrder(
            try await perform(
                "/order/status/", action: "orderStatus", fields: ["TheSSLStoreOrderID": .string(id)], safety: .safe))
    }

    /// The order made with the portal's own id, if any.
    package func order(customID: String) async throws -> SSLStoreOrder? {
        do {
            let order = SSLStoreOrder(
                try await perform(
                    "/order/status/", action: "orderStatus", fields: ["CustomOrderID": .string(customID)], safety: .safe
                ))
            return order.id.isEmpty ? nil : order
        } catch UpstreamError.apiError(_, _, let message) where message.localizedCaseInsensitiveContains("not found") {
            return nil
        }
    }

    /// Orders for a domain (or all), newest first as the API returns them.
    package func orders(domain: String? = nil) async throws -> [SSLStoreOrder] {
        var fields: [String: LenientJSON] = ["PageNumber": .number(1), "PageSize": .number(100)]
        if let domain { fields["DomainName"] = .string(domain) }
        return try await perform("/order/query/", action: "orderQuery", fields: fields, safety: .safe).elements.map(
            SSLStoreOrder.init)
    }

    /// Reissues the certificate with a new CSR.
    package func reissue(id: String, csr: String, validation: DomainValidation) async throws -> SSLStoreOrder {
        let fields: [String: LenientJSON] = [
            "TheSSLStoreOrderID": .string(id), "CSR": .string(csr), "WebServerType": "Other",
            "isRenewalOrder": .bool(false),
            "FileAuthDVIndicator": .bool(validation == .httpFile), "CNAMEAuthDVIndicator": .bool(validation == .dns),
        ]
        return SSLStoreOrder(try await perform("/order/reissue/", action: "reissue", fields: fields, safety: .once))
    }

    /// The addresses an approval email may go to.
    package func approvers(product: String, domain: String) async throws -> [String] {
        let json = try await perform(
            "/order/approverlist/", action: "approverList",
            fields: ["ProductCode": .string(product), "DomainName": .string(domain)], safety: .safe
        )
        return json.field("ApproverEmailList")?.elements.compactMap(\.string) ?? []
    }

    /// The issued certificate's files (`FileName`, `FileContent`).
    package func download(id: String) async throws -> [(name: String, content: String)] {
        let json = try await perform(
            "/order/download/", action: "download", fields: ["TheSSLStoreOrderID": .string(id)], safety: .safe)
        return (json.field("Certificates")?.elements ?? []).map {
            ($0.field("FileName")?.string ?? "", $0.field("FileContent")?.string ?? "")
        }
    }
}

extension LenientJSON {
    /// A field by name whatever its case: the API's docs and SDKs disagree (`isError` / `IsError`).
    package func field(_ name: String) -> LenientJSON? {
        if let exact = self[name] { return exact }
        guard case .object(let fields) = self else { return nil }
        let lower = name.lowercased()
        return fields.first { $0.key.lowercased() == lower }?.value
    }
}
