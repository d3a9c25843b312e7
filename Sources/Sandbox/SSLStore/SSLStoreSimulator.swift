import Foundation
import GRDB
import Hummingbird
import X509

/// TheSSLStore's REST API as CONTRACTS.md §4 describes it, backed by the sandbox database.
///
/// Choices where the contract is open, written down here as the contract asks:
/// - Every answer is HTTP 200; errors are in-band (`AuthResponse.isError` with `Message[]`). The field is written
///   `isError`.
/// - A refused partner code or token answers "Invalid Partner Code or Auth Token".
/// - `DNSNames` is taken as an array or a comma string, and answered as a comma string.
/// - An unknown order answers "Order not found".
/// - The CSR must be a well-formed, correctly signed PKCS #10 request whose common name is `DomainName`.
/// - Orders stay `Pending` until their validation is proven, then are `Active` for the ordered months. Like the CA,
///   each status or query call looks for the proof: for HTTP-file validation, the file with its content in
///   `public_html/.well-known/pki-validation/` of the WHM simulator's account with that domain; for DNS validation,
///   the CNAME in the 20i simulator's zone of that domain. The sandbox can also complete it (`completeValidation`, or
///   `POST /__sandbox/sslstore/validate` with `order=<id>`), as for email validation or a domain hosted elsewhere.
/// - Download answers a real X.509 certificate for the CSR's key, signed by the sandbox's own CA, valid from the
///   issue date for the ordered months, plus that CA as the bundle.
/// - Products: PositiveSSL (DV), PositiveSSL Wildcard and PositiveSSL Multi-Domain, for 12 and 24 months.
package struct SSLStoreSimulator: Sendable {
    let store: SandboxStore
    let now: @Sendable () -> Date
    let authority: SandboxAuthority
    package let address = SimulatorAddress()

    package init(store: SandboxStore, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.store = store
        self.now = now
        authority = try SandboxAuthority(store: store)
    }

    static let schema = """
        CREATE TABLE sslstore_partners (code TEXT PRIMARY KEY, token TEXT NOT NULL);
        CREATE TABLE sslstore_orders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            partner TEXT NOT NULL,
            custom_id TEXT NOT NULL,
            product TEXT NOT NULL,
            months INTEGER NOT NULL,
            domain TEXT NOT NULL,
            sans TEXT NOT NULL,
            validation TEXT NOT NULL,
            major TEXT NOT NULL,
            minor TEXT NOT NULL DEFAULT '',
            auth_file_name TEXT NOT NULL,
            auth_file_content TEXT NOT NULL,
            start_date TEXT NOT NULL DEFAULT '',
            end_date TEXT NOT NULL DEFAULT '',
            reissues INTEGER NOT NULL DEFAULT 0,
            UNIQUE (partner, custom_id)
        );
        INSERT INTO sqlite_sequence (name, seq) VALUES ('sslstore_orders', 100000);
        """

    static let products: [(code: String, name: String, wildcard: Bool, san: Bool, prices: [(Int, String)])] = [
        ("positivessl", "PositiveSSL", false, false, [(12, "7.00"), (24, "13.00")]),
        ("positivesslwildcard", "PositiveSSL Wildcard", true, false, [(12, "49.00"), (24, "95.00")]),
        ("positivesslmdc", "PositiveSSL Multi-Domain", false, true, [(12, "19.00"), (24, "37.00")]),
    ]

    /// Accepts this partner code with this token.
    package func addPartner(code: String, token: String) async throws {
        try await store.write { db in
            try db.execute(
                sql:
                    "INSERT INTO sslstore_partners (code, token) VALUES (?, ?) ON CONFLICT(code) DO UPDATE SET token = excluded.token",
                arguments: [code, token])
        }
    }

    /// The CA has seen the proof: the order is issued for its months from now.
    package func completeValidation(orderID: String) async throws {
        guard let id = Int64(orderID) else { return }
        try await store.write { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM sslstore_orders WHERE id = ? AND major = 'Pending'", arguments: [id])
                    == true
            else { return }
            try activate(db, id: id)
        }
    }

    /// TheSSLStore's dates with `DateTimeCulture` en-US: `MM/dd/yyyy`, in UTC.
    static func dateFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MM/dd/yyyy"
        return formatter
    }

    static func date(_ date: Date) -> String { dateFormatter().string(from: date) }

    package func addRoutes(to router: Router<SandboxRequestContext>) {
        for (path, action) in [
            ("/product/query", productQuery), ("/order/neworder", newOrder), ("/order/status", status),
            ("/order/query", query),
            ("/order/reissue", reissue), ("/order/approverlist", approvers), ("/order/download", download),
        ] as [(String, @Sendable (Database, String, JSONValue) throws -> JSONValue)] {
            // The router treats `/order/neworder/` (the SDK's form) and `/order/neworder` as one path.
            router.post(RouterPath(path)) { request, _ in try await self.handle(request, action) }
        }
        router.post("/__sandbox/sslstore/validate") { request, context in
            guard context.isLoopback else { return Response(status: .forbidden) }
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 16))
            let order =
                body.split(separator: "&").first { $0.hasPrefix("order=") }.map { String($0.dropFirst(6)) } ?? ""
            try await self.completeValidation(orderID: order)
            return Response(status: .noContent)
        }
    }

    struct Failure: Error {
        let message: String
    }

    private func handle(
        _ request: Request, _ action: @escaping @Sendable (Database, String, JSONValue) throws -> JSONValue
    ) async throws -> Response {
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: 1 << 20))
        guard let body = try? JSONValue(data: data) else {
            return try SimulatorServer.json(Self.envelope(error: "The request is not JSON", replay: ""))
        }
        let auth = body.field("AuthRequest")
        let replay = auth?.field("ReplayToken")?.string ?? ""
        let (code, token) = (auth?.field("PartnerCode")?.string ?? "", auth?.field("AuthToken")?.string ?? "")
        let known = try await store.read { db in
            try String.fetchOne(db, sql: "SELECT token FROM sslstore_partners WHERE code = ?", arguments: [code])
        }
        guard let known, constantTimeEquals(known, token) else {
            return try SimulatorServer.json(Self.envelope(error: "Invalid Partner Code or Auth Token", replay: replay))
        }
        do {
            var answer = try await store.write { db in try action(db, code, body) }
            answer = Self.stamp(answer, replay: replay, partner: code)
            return try SimulatorServer.json(answer)
        } catch let failure as Failure {
            return try SimulatorServer.json(Self.envelope(error: failure.message, replay: replay))
        }
    }

    static func authResponse(replay: String, partner: String = "", error: String? = nil) -> JSONValue {
        .object([
            "isError": .bool(error != nil), "Message": .array(error.map { [.string($0)] } ?? []),
            "Timestamp": .string(date(Date())),
            "ReplayToken": .string(replay), "InvokingPartnerCode": .string(partner),
        ])
    }

    static func envelope(error: String, replay: String) -> JSONValue {
        .object(["AuthResponse": authResponse(replay: replay, error: error)])
    }

    /// Puts an AuthResponse on the answer, or on each element of an array answer.
    static func stamp(_ answer: JSONValue, replay: String, partner: String) -> JSONValue {
        func add(_ value: JSONValue) -> JSONValue {
            guard case .object(var fields) = value else { return value }
            fields["AuthResponse"] = authResponse(replay: replay, partner: partner)
            return .object(fields)
        }
        if case .array(let items) = answer { return .array(items.map(add)) }
        return add(answer)
    }

    // MARK: Actions

    @Sendable func productQuery(_ db: Database, _ partner: String, _ body: JSONValue) throws -> JSONValue {
        let filter = body.field("ProductCode")?.string ?? ""
        return .array(
            Self.products.filter { filter.isEmpty || $0.code == filter }.map { product in
                .object([
                    "ProductCode": .string(product.code), "ProductName": .string(product.name),
                    "IsWlidcard": .bool(product.wildcard),
                    "IsSanEnable": .bool(product.san), "VendorName": "COMODO", "CanbeReissued": .bool(true),
                    "ReissueDays": .number(30), "ProductType": .number(1),
                    "IsCompetitiveUpgradeSupported": .bool(false),
                    "IsNoOfServerFree": .bool(true),
                    // Prices are JSON numbers, as documented.
                    "PricingInfo": .array(
                        product.prices.map { months, price in
                            let amount = Double(price) ?? 0
                            return .object([
                                "NumberOfMonths": .number(Double(months)), "NumberOfServer": .number(1),
                                "Price": .number(amount), "SRP": .number(amount),
                                "PricePerAdditionalSAN": .number(product.san ? amount / 4 : 0),
                                "PricePerAdditionalServer": .number(0),
                            ])
                        }),
                ])
            })
    }

    @Sendable func newOrder(_ db: Database, _ partner: String, _ body: JSONValue) throws -> JSONValue {
        let code = body.field("ProductCode")?.string ?? ""
        guard let product = Self.products.first(where: { $0.code == code }) else {
            throw Failure(message: "Invalid ProductCode")
        }
        let months = body.field("ValidityPeriod")?.int ?? 0
        guard product.prices.contains(where: { $0.0 == months }) else {
            throw Failure(message: "Invalid ValidityPeriod for \(product.name)")
        }
        let domain = (body.field("DomainName")?.string ?? "").lowercased()
        guard domain.contains("."), !domain.contains(" ") else { throw Failure(message: "Invalid DomainName") }
        let csr = body.field("CSR")?.string ?? ""
        try Self.checkCSR(csr, domain: domain)
        if domain.hasPrefix("*."), !product.wildcard {
            throw Failure(message: "\(product.name) does not cover wildcard names")
        }
        let sans =
            body.field("DNSNames").map {
                $0.elements.isEmpty
                    ? ($0.string ?? "").split(separator: ",").map(String.init) : $0.elements.compactMap(\.string)
            } ?? []
        if !sans.isEmpty, !product.san { throw Failure(message: "\(product.name) does not take additional names") }
        let customID = body.field("CustomOrderID")?.string ?? ""
        if !customID.isEmpty,
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM sslstore_orders WHERE partner = ? AND custom_id = ?",
                arguments: [partner, customID]) == true
        {
            throw Failure(message: "CustomOrderID \(customID) is already used")
        }
        let validation =
            body.field("CNAMEAuthDVIndicator")?.bool == true
            ? "dns" : body.field("FileAuthDVIndicator")?.bool == true ? "file" : "email"
        let token = WHMCSAction.randomToken(32, alphabet: "ABCDEF0123456789")
        try db.execute(
            sql: """
                INSERT INTO sslstore_orders (partner, custom_id, product, months, domain, sans, validation, major, auth_file_name, auth_file_content, csr, contact_email)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'Pending', ?, ?, ?, ?)
                """,
            arguments: [
                partner, customID, code, months, domain, sans.joined(separator: ","), validation, "\(token).txt",
                "\(token)\ncomodoca.com\nsandbox", csr,
                // Where the certificate authority would write: the admin contact.
                body.field("AdminContact")?.field("Email")?.string ?? "",
            ]
        )
        return try Self.order(db, id: db.lastInsertedRowID)
    }

    static func order(_ db: Database, id: Int64) throws -> JSONValue {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sslstore_orders WHERE id = ?", arguments: [id]) else {
            throw Failure(message: "Order not found")
        }
        let validation: String = row["validation"]
        let fileName: String = row["auth_file_name"]
        let domain: String = row["domain"]
        let sans: String = row["sans"]
        let product = products.first { $0.code == (row["product"] as String) }
        return .object([
            "TheSSLStoreOrderID": .string(String(id)), "CustomOrderID": .string(row["custom_id"]),
            "VendorOrderID": .string("V\(id)"),
            "ProductCode": .string(row["product"]), "ProductName": .string(product?.name ?? ""),
            "CommonName": .string(domain),
            "DNSNames": .string(sans), "Validity": .number(Double(row["months"] as Int)),
            "OrderStatus": .object([
                "MajorStatus": .string(row["major"]), "MinorStatus": .string(row["minor"]),
                "DomainAuthVettingStatus": .array([
                    .object(["domain": .string(domain), "dcvMethod": .string(validation)])
                ]),
            ]),
            "AuthFileName": .string(validation == "file" ? fileName : ""),
            "AuthFileContent": .string(validation == "file" ? row["auth_file_content"] : ""),
            "CNAMEAuthName": .string(validation == "dns" ? "_\(fileName.dropLast(4).lowercased()).\(domain)" : ""),
            "CNAMEAuthValue": .string(validation == "dns" ? "\(fileName.dropLast(4).lowercased()).comodoca.com" : ""),
            "CertificateStartDate": .string(row["start_date"]), "CertificateEndDate": .string(row["end_date"]),
            "ReissueSuccessCode": .string((row["reissues"] as Int) > 0 ? "R\(id)-\(row["reissues"] as Int)" : ""),
            "VendorName": "COMODO",
        ])
    }

    @Sendable func status(_ db: Database, _ partner: String, _ body: JSONValue) throws -> JSONValue {
        if let id = body.field("TheSSLStoreOrderID")?.string.flatMap(Int64.init),
            !(body.field("TheSSLStoreOrderID")?.string ?? "").isEmpty
        {
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM sslstore_orders WHERE id = ? AND partner = ?", arguments: [id, partner])
                    == true
            else {
                throw Failure(message: "Order not found")
            }
            try checkProof(db, id: id)
            return try Self.order(db, id: id)
        }
        let custom = body.field("CustomOrderID")?.string ?? ""
        guard !custom.isEmpty,
            let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM sslstore_orders WHERE partner = ? AND custom_id = ?",
                arguments: [partner, custom])
        else {
            throw Failure(message: "Order not found")
        }
        try checkProof(db, id: id)
        return try Self.order(db, id: id)
    }

    @Sendable func query(_ db: Database, _ partner: String, _ body: JSONValue) throws -> JSONValue {
        let domain = body.field("DomainName")?.string?.lowercased() ?? ""
        let ids = try Int64.fetchAll(
            db, sql: "SELECT id FROM sslstore_orders WHERE partner = ? AND (? = '' OR domain = ?) ORDER BY id DESC",
            arguments: [partner, domain, domain]
        )
        return .array(
            try ids.map { id in
                try checkProof(db, id: id)
                return try Self.order(db, id: id)
            })
    }

    @Sendable func reissue(_ db: Database, _ partner: String, _ body: JSONValue) throws -> JSONValue {
        guard let id = body.field("TheSSLStoreOrderID")?.string.flatMap(Int64.init),
            let major = try String.fetchOne(
                db, sql: "SELECT major FROM sslstore_orders WHERE id = ? AND partner = ?", arguments: [id, partner])
        else { throw Failure(message: "Order not found") }
        guard major == "Active" else { throw Failure(message: "Only an issued certificate can be reissued") }
        let domain =
            try String.fetchOne(db, sql: "SELECT domain FROM sslstore_orders WHERE id = ?", arguments: [id]) ?? ""
        let csr = body.field("CSR")?.string ?? ""
        try Self.checkCSR(csr, domain: domain)
        let validation =
            body.field("CNAMEAuthDVIndicator")?.bool == true
            ? "dns" : body.field("FileAuthDVIndicator")?.bool == true ? "file" : "email"
        let token = WHMCSAction.randomToken(32, alphabet: "ABCDEF0123456789")
        try db.execute(
            sql: """
                UPDATE sslstore_orders SET major = 'Pending', minor = 'PENDING_REISSUE', reissues = reissues + 1, auth_file_name = ?,
                    auth_file_content = ?, csr = ?, certificate = '', validation = ? WHERE id = ?
                """,
            arguments: ["\(token).txt", "\(token)\ncomodoca.com\nsandbox", csr, validation, id]
        )
        return try Self.order(db, id: id)
    }

    @Sendable func approvers(_ db: Database, _ partner: String, _ body: JSONValue) throws -> JSONValue {
        let domain = (body.field("DomainName")?.string ?? "").lowercased()
        guard domain.contains(".") else { throw Failure(message: "Invalid DomainName") }
        let base = domain.hasPrefix("*.") ? String(domain.dropFirst(2)) : domain
        return .object([
            "ApproverEmailList": .array(
                ["admin", "administrator", "hostmaster", "postmaster", "webmaster"].map { .string("\($0)@\(base)") })
        ])
    }

    @Sendable func download(_ db: Database, _ partner: String, _ body: JSONValue) throws -> JSONValue {
        guard let id = body.field("TheSSLStoreOrderID")?.string.flatMap(Int64.init),
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM sslstore_orders WHERE id = ? AND partner = ?", arguments: [id, partner])
        else { throw Failure(message: "Order not found") }
        guard (row["major"] as String) == "Active" else { throw Failure(message: "The certificate is not issued yet") }
        let domain: String = row["domain"]
        var pem: String = row["certificate"]
        if pem.isEmpty {
            pem = try authority.issue(
                csr: row["csr"], domain: domain, sans: (row["sans"] as String).split(separator: ",").map(String.init),
                from: Self.parse(row["start_date"]) ?? now(), to: Self.parse(row["end_date"]) ?? now(), serial: id
            )
            try db.execute(sql: "UPDATE sslstore_orders SET certificate = ? WHERE id = ?", arguments: [pem, id])
        }
        return .object([
            "CertificateStatus": "Active", "ValidationStatus": "Validated",
            "Certificates": .array([
                .object([
                    "FileName": .string("\(domain.replacingOccurrences(of: "*", with: "star")).crt"),
                    "FileContent": .string(pem),
                ]),
                .object(["FileName": "ca-bundle.crt", "FileContent": .string(try authority.certificatePEM())]),
            ]),
        ])
    }

    static func checkCSR(_ csr: String, domain: String) throws {
        // Read as a CA reads it: PKCS#10 whose signature verifies with the key it carries, then the subject's CN.
        guard let request = try? CertificateSigningRequest(pemEncoded: csr),
            request.publicKey.isValidSignature(request.signature, for: request)
        else { throw Failure(message: "Invalid CSR") }
        let attributes: [RelativeDistinguishedName.Attribute] = request.subject.flatMap { Array($0) }
        guard let commonName = attributes.first(where: { $0.type == .RDNAttributeType.commonName }),
            let name = String(commonName.value)
        else { throw Failure(message: "Invalid CSR") }
        guard name.lowercased() == domain else {
            throw Failure(message: "The CSR's common name \(name) does not match \(domain)")
        }
    }

    static func parse(_ text: String) -> Date? { dateFormatter().date(from: text) }

    /// Issues a pending order once its proof is where the CA looks for it (see the type's notes).
    func checkProof(_ db: Database, id: Int64) throws {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM sslstore_orders WHERE id = ? AND major = 'Pending'", arguments: [id])
        else { return }
        let domain = (row["domain"] as String).replacingOccurrences(of: "*.", with: "")
        let fileName: String = row["auth_file_name"]
        let proven: Bool
        switch row["validation"] as String {
        case "file":
            let content = try String.fetchOne(
                db,
                sql: """
                    SELECT f.content FROM whm_files f JOIN whm_accounts a ON a.user = f.user
                    WHERE a.domain = ? AND f.path = ?
                    """,
                arguments: [domain, "public_html/.well-known/pki-validation/\(fileName)"]
            )
            proven =
                content?.trimmingCharacters(in: .whitespacesAndNewlines)
                == (row["auth_file_content"] as String).trimmingCharacters(in: .whitespacesAndNewlines)
        case "dns":
            let label = "_" + fileName.dropLast(4).lowercased()
            let target = "\(fileName.dropLast(4).lowercased()).comodoca.com"
            let records = try String.fetchAll(
                db, sql: "SELECT fields FROM twentyi_dns WHERE domain = ? AND type = 'CNAME'", arguments: [domain])
            proven = records.contains { fields in
                guard let json = try? JSONValue(data: Data(fields.utf8)) else { return false }
                let host = (json["host"]?.string ?? "").lowercased()
                let value = (json["target"]?.string ?? "").lowercased().trimmingCharacters(
                    in: CharacterSet(charactersIn: "."))
                return (host == label || host == "\(label).\(domain)") && value == target
            }
        default:
            proven = false
        }
        if proven { try activate(db, id: id) }
    }

    func activate(_ db: Database, id: Int64) throws {
        let start = now()
        guard let months = try Int.fetchOne(db, sql: "SELECT months FROM sslstore_orders WHERE id = ?", arguments: [id])
        else { return }
        let end = Calendar(identifier: .gregorian).date(byAdding: .month, value: months, to: start) ?? start
        try db.execute(
            sql:
                "UPDATE sslstore_orders SET major = 'Active', minor = '', start_date = ?, end_date = ?, certificate = '' WHERE id = ?",
            arguments: [Self.date(start), Self.date(end), id]
        )
    }
}
