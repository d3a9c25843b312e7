import Foundation
import GRDB
import Hummingbird
import Synchronization

/// 20i's reseller API as CONTRACTS.md §3 describes it, backed by the sandbox database.
///
/// Choices where the contract is open, written down here as the contract asks:
/// - Errors are JSON `{"error":{"message":…}}` with the status: 401 for a refused key, 402 when the balance is short,
///   404 for an unknown package or domain, 400 for a bad request.
/// - Package types are `{id, label, platform}`; userStatus, deleteWeb, updatePackage and the domain calls answer
///   `{"result": true}`.
/// - Domain search streams one JSON object per line: a `{"header": …}` line, then `{"name", "can"}` per name, `can`
///   being `register` when free and `transfer` when taken; a bare prefix is tried in `.com`, `.co.uk` and `.net`.
///   A name is taken when it contains `taken` or is registered here.
/// - DNS `new` takes, per type, one entry or an array of entries; GET answers `{"records": [{ref, type, host, …}]}`.
/// - The reseller starts with a balance of £100.00; a year of a domain costs £10.00.
package struct TwentyISimulator: Sendable {
    let store: SandboxStore
    let now: @Sendable () -> Date
    /// What each cloud server size has (CPU, RAM, storage), per provider.
    let cloudSizes: CloudSizes
    package let address = SimulatorAddress()
    /// Path prefixes this reseller account has no service behind (tests of live readiness).
    let withheld = WithheldServices()

    package init(
        store: SandboxStore, cloudSizes: CloudSizes = .none,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.cloudSizes = cloudSizes
        self.now = now
    }

    static let schema = """
        CREATE TABLE twentyi_keys (key TEXT PRIMARY KEY);
        CREATE TABLE twentyi_packages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            type TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            enabled INTEGER NOT NULL DEFAULT 1,
            stack_user TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL
        );
        CREATE TABLE twentyi_domains (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            years INTEGER NOT NULL,
            nameservers TEXT NOT NULL,
            privacy INTEGER NOT NULL,
            transferred INTEGER NOT NULL DEFAULT 0,
            expires TEXT NOT NULL
        );
        CREATE TABLE twentyi_dns (
            ref INTEGER PRIMARY KEY AUTOINCREMENT,
            package_id INTEGER NOT NULL,
            domain TEXT NOT NULL COLLATE NOCASE,
            type TEXT NOT NULL,
            fields TEXT NOT NULL
        );
        CREATE TABLE twentyi_balance (id INTEGER PRIMARY KEY CHECK (id = 1), pence INTEGER NOT NULL);
        INSERT INTO twentyi_balance (id, pence) VALUES (1, 10000);
        """

    /// The package types every sandbox reseller has.
    static let packageTypes: [(id: String, label: String)] = [
        ("1001", "Linux Starter"), ("1002", "Linux Pro"), ("2001", "Cloud Small"),
    ]
    static let domainYearPence = 1_000

    /// Accepts `key` as a General API key.
    package func addKey(_ key: String) async throws {
        try await store.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO twentyi_keys (key) VALUES (?)", arguments: [key])
        }
    }

    /// Takes a service off the reseller account: requests under `prefix` (such as `/managed_vps`) then answer as 20i
    /// was seen answering for a service the account has no route to (404, "No route handler for … on Reseller").
    package func withhold(_ prefix: String) {
        withheld.prefixes.withLock { _ = $0.insert(prefix) }
    }

    /// Sets the reseller's balance (tests of the 402 path).
    package func setBalance(pence: Int) async throws {
        try await store.write { db in try db.execute(sql: "UPDATE twentyi_balance SET pence = ?", arguments: [pence]) }
    }

    package func addRoutes(to router: Router<SandboxRequestContext>) {
        router.get("/reseller/{rid}/packageTypes") { request, context in
            try await self.handle(request, context) { _, _ in
                .array(
                    Self.packageTypes.map { ["id": .string($0.id), "label": .string($0.label), "platform": "linux"] })
            }
        }
        router.get("/package") { request, context in
            try await self.handle(request, context) { db, _ in try Self.listPackages(db) }
        }
        router.post("/reseller/{rid}/addWeb") { request, context in
            try await self.handle(request, context) { db, body in try self.addWeb(db, body) }
        }
        router.post("/reseller/{rid}/deleteWeb") { request, context in
            try await self.handle(request, context) { db, body in try Self.deleteWeb(db, body) }
        }
        router.post("/reseller/{rid}/updatePackage") { request, context in
            try await self.handle(request, context) { db, body in try Self.updatePackage(db, body) }
        }
        router.post("/package/{pid}/userStatus") { request, context in
            let id = context.parameters.get("pid") ?? ""
            return try await self.handle(request, context) { db, body in try Self.userStatus(db, id, body) }
        }
        router.post("/reseller/{rid}/addDomain") { request, context in
            try await self.handle(request, context) { db, body in try self.addDomain(db, body, transfer: false) }
        }
        router.post("/reseller/{rid}/transferDomain") { request, context in
            try await self.handle(request, context) { db, body in try self.addDomain(db, body, transfer: true) }
        }
        router.post("/reseller/{rid}/renewDomain") { request, context in
            try await self.handle(request, context) { db, body in try Self.renewDomain(db, body) }
        }
        router.get("/domain-search/{query}") { request, context in try await self.search(request, context) }
        router.get("/package/{pid}/domain/{domain}/dns") { request, context in
            let (id, domain) = (context.parameters.get("pid") ?? "", context.parameters.get("domain") ?? "")
            return try await self.handle(request, context) { db, _ in try Self.dns(db, id, domain) }
        }
        router.post("/package/{pid}/domain/{domain}/dns") { request, context in
            let (id, domain) = (context.parameters.get("pid") ?? "", context.parameters.get("domain") ?? "")
            return try await self.handle(request, context) { db, body in try Self.setDNS(db, id, domain, body) }
        }
        addCloudRoutes(to: router)
    }

    // MARK: Plumbing

    struct Failure: Error {
        let status: HTTPResponse.Status
        let message: String
    }

    private func authorised(_ request: Request) async throws -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            let decoded = Data(base64Encoded: String(header.dropFirst(7))).map({ String(decoding: $0, as: UTF8.self) })
        else { return false }
        let keys = try await store.read { db in try String.fetchAll(db, sql: "SELECT key FROM twentyi_keys") }
        return keys.contains { constantTimeEquals($0, decoded) }
    }

    func handle(
        _ request: Request, _ context: SandboxRequestContext,
        _ body: @escaping @Sendable (Database, JSONValue) throws -> JSONValue
    ) async throws -> Response {
        guard try await authorised(request) else { return try Self.error(.unauthorized, "Invalid API key") }
        let path = request.uri.path
        if withheld.prefixes.withLock({ $0.contains { path.hasPrefix($0) } }) {
            return try Self.error(.notFound, "No route handler for \(path) on Reseller")
        }
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: 1 << 20))
        let json: JSONValue
        if data.isEmpty {
            json = .null
        } else if let parsed = try? JSONValue(data: data) {
            json = parsed
        } else {
            return try Self.error(.badRequest, "The body is not JSON")
        }
        do {
            return try SimulatorServer.json(try await store.write { db in try body(db, json) })
        } catch let failure as Failure {
            return try Self.error(failure.status, failure.message)
        }
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) throws -> Response {
        try SimulatorServer.json(
            JSONValue.object(["error": .object(["code": .null, "message": .string(message)])]), status: status)
    }

    private func stamp() -> String { ISO8601DateFormatter().string(from: now()) }

    // MARK: Hosting

    static func listPackages(_ db: Database) throws -> JSONValue {
        .array(
            try Row.fetchAll(db, sql: "SELECT * FROM twentyi_packages ORDER BY id").map { row in
                let type: String = row["type"]
                let stack: String = row["stack_user"]
                return .object([
                    // Numbers, as in the documented list.
                    "id": .number(Double(row["id"] as Int64)), "name": .string(row["name"]),
                    "names": .array([.string(row["name"])]),
                    "enabled": .bool(row["enabled"] as Bool), "created": .string(row["created"]),
                    "typeRef": Int(type).map { .number(Double($0)) } ?? .string(type), "productSpec": .null,
                    "packageTypeName": .string(packageTypes.first { $0.id == type }?.label ?? type),
                    "stackUsers": .array(stack.isEmpty ? [] : [.string(stack)]), "packageLabels": .array([]),
                ])
            })
    }

    func addWeb(_ db: Database, _ body: JSONValue) throws -> JSONValue {
        guard let type = body["type"]?.string, Self.packageTypes.contains(where: { $0.id == type }) else {
            throw Failure(status: .badRequest, message: "Unknown package type")
        }
        guard let domain = body["domain_name"]?.string?.lowercased(), domain.contains("."), !domain.contains(" ") else {
            throw Failure(status: .badRequest, message: "A domain_name is required")
        }
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM twentyi_packages WHERE name = ?", arguments: [domain]) != true
        else {
            throw Failure(status: .badRequest, message: "The domain \(domain) is already hosted")
        }
        try db.execute(
            sql: "INSERT INTO twentyi_packages (name, type, label, stack_user, created) VALUES (?, ?, ?, ?, ?)",
            arguments: [domain, type, body["label"]?.string ?? "", body["stackUser"]?.string ?? "", stamp()]
        )
        return ["result": .number(Double(db.lastInsertedRowID))]
    }

    static func package(_ db: Database, _ id: String) throws -> Int64 {
        // A registered domain without a package has its own zone, package 0.
        if Int64(id) == nil,
            try Bool.fetchOne(db, sql: "SELECT 1 FROM twentyi_domains WHERE name = ?", arguments: [id.lowercased()])
                == true
        {
            return 0
        }
        guard let number = Int64(id),
            try Bool.fetchOne(db, sql: "SELECT 1 FROM twentyi_packages WHERE id = ?", arguments: [number]) == true
        else {
            throw Failure(status: .notFound, message: "No such package")
        }
        return number
    }

    static func userStatus(_ db: Database, _ id: String, _ body: JSONValue) throws -> JSONValue {
        let number = try package(db, id)
        guard let enabled = body["subservices"]?["default"]?.bool ?? body["subservices"]?["main"]?.bool else {
            throw Failure(status: .badRequest, message: "subservices.default is required")
        }
        try db.execute(sql: "UPDATE twentyi_packages SET enabled = ? WHERE id = ?", arguments: [enabled, number])
        return ["result": true]
    }

    static func deleteWeb(_ db: Database, _ body: JSONValue) throws -> JSONValue {
        let ids = body["delete-id"]?.elements.compactMap { $0.string.flatMap(Int64.init) } ?? []
        guard !ids.isEmpty else { throw Failure(status: .badRequest, message: "delete-id is required") }
        for id in ids {
            _ = try package(db, String(id))
            try db.execute(sql: "DELETE FROM twentyi_packages WHERE id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM twentyi_dns WHERE package_id = ?", arguments: [id])
        }
        return ["result": true]
    }

    static func updatePackage(_ db: Database, _ body: JSONValue) throws -> JSONValue {
        guard case .object(let types)? = body["packageBundleTypes"], !types.isEmpty else {
            throw Failure(status: .badRequest, message: "packageBundleTypes is required")
        }
        for (id, type) in types {
            let number = try package(db, id)
            guard let type = type.string, packageTypes.contains(where: { $0.id == type }) else {
                throw Failure(status: .badRequest, message: "Unknown package type")
            }
            try db.execute(sql: "UPDATE twentyi_packages SET type = ? WHERE id = ?", arguments: [type, number])
        }
        return ["result": true]
    }

    // MARK: Domains

    private func search(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        guard try await authorised(request) else { return try Self.error(.unauthorized, "Invalid API key") }
        let query = (context.parameters.get("query") ?? "").removingPercentEncoding?.lowercased() ?? ""
        let names =
            query.contains(".")
            ? query.split(separator: ",").map(String.init) : [".com", ".co.uk", ".net"].map { query + $0 }
        let registered = try await store.read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM twentyi_domains"))
        }
        var lines = [#"{"header":{"query":"\#(query)"}}"#]
        for name in names where !name.isEmpty {
            let taken = name.contains("taken") || registered.contains(name)
            lines.append(#"{"name":"\#(name)","can":"\#(taken ? "transfer" : "register")"}"#)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n"))))
    }

    func addDomain(_ db: Database, _ body: JSONValue, transfer: Bool) throws -> JSONValue {
        guard let name = body["name"]?.string?.lowercased(), name.contains(".") else {
            throw Failure(status: .badRequest, message: "name is required")
        }
        let years = body["years"]?.int ?? 1
        guard (1...10).contains(years) else { throw Failure(status: .badRequest, message: "years must be 1 to 10") }
        guard body["contact"]?["email"]?.string?.contains("@") == true else {
            throw Failure(status: .badRequest, message: "contact.email is required")
        }
        if transfer {
            guard let code = body["authcode"]?.string, !code.isEmpty else {
                throw Failure(status: .badRequest, message: "authcode is required")
            }
        } else if name.contains("taken") {
            throw Failure(status: .badRequest, message: "\(name) is not available")
        }
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM twentyi_domains WHERE name = ?", arguments: [name]) != true
        else {
            throw Failure(status: .badRequest, message: "\(name) is already in this account")
        }
        try Self.charge(db, pence: Self.domainYearPence * years)
        let expires = ISO8601DateFormatter().string(from: now().addingTimeInterval(Double(years) * 365 * 86_400))
        try db.execute(
            sql:
                "INSERT INTO twentyi_domains (name, years, nameservers, privacy, transferred, expires) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                name, years, (body["nameservers"]?.elements.compactMap(\.string) ?? []).joined(separator: ","),
                body["privacyService"]?.bool ?? false, transfer, expires,
            ]
        )
        return ["result": true]
    }

    static func renewDomain(_ db: Database, _ body: JSONValue) throws -> JSONValue {
        guard let name = body["name"]?.string?.lowercased(),
            try Bool.fetchOne(db, sql: "SELECT 1 FROM twentyi_domains WHERE name = ?", arguments: [name]) == true
        else { throw Failure(status: .notFound, message: "No such domain") }
        let years = body["years"]?.int ?? 1
        try charge(db, pence: domainYearPence * years)
        let formatter = ISO8601DateFormatter()
        let expires =
            (try String.fetchOne(db, sql: "SELECT expires FROM twentyi_domains WHERE name = ?", arguments: [name]))
            .flatMap(formatter.date) ?? Date()
        let extended = Calendar(identifier: .gregorian).date(byAdding: .year, value: years, to: expires) ?? expires
        try db.execute(
            sql: "UPDATE twentyi_domains SET years = years + ?, expires = ? WHERE name = ?",
            arguments: [years, formatter.string(from: extended), name]
        )
        return ["result": true]
    }

    static func charge(_ db: Database, pence: Int) throws {
        let balance = try Int.fetchOne(db, sql: "SELECT pence FROM twentyi_balance") ?? 0
        guard balance >= pence else {
            throw Failure(
                status: .init(code: 402, reasonPhrase: "Payment Required"),
                message: "Payment required: insufficient balance")
        }
        try db.execute(sql: "UPDATE twentyi_balance SET pence = pence - ?", arguments: [pence])
    }

    // MARK: DNS

    static func dns(_ db: Database, _ id: String, _ domain: String) throws -> JSONValue {
        let number = try package(db, id)
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM twentyi_dns WHERE package_id = ? AND domain = ? ORDER BY ref",
            arguments: [number, domain]
        )
        return [
            "records": .array(
                try rows.map { row in
                    guard case .object(var fields) = try JSONValue(data: Data((row["fields"] as String).utf8)) else {
                        return .null
                    }
                    fields["ref"] = .string(String(row["ref"] as Int64))
                    fields["type"] = .string(row["type"])
                    return .object(fields)
                })
        ]
    }

    static let requiredFields: [String: [String]] = [
        "A": ["host", "ip"], "AAAA": ["host", "ipv6"], "CNAME": ["host", "target"], "MX": ["host", "target", "pri"],
        "TXT": ["host", "txt"], "SRV": ["host", "pri", "weight", "port", "target"],
        "CAA": ["host", "flags", "tag", "value"],
    ]

    static func setDNS(_ db: Database, _ id: String, _ domain: String, _ body: JSONValue) throws -> JSONValue {
        let number = try package(db, id)
        for ref in body["delete"]?.elements.compactMap({ $0.string.flatMap(Int64.init) }) ?? [] {
            try db.execute(sql: "DELETE FROM twentyi_dns WHERE ref = ? AND package_id = ?", arguments: [ref, number])
        }
        if case .object(let additions)? = body["new"] {
            for (type, value) in additions.sorted(by: { $0.key < $1.key }) {
                guard let required = requiredFields[type] else {
                    throw Failure(status: .badRequest, message: "Unsupported record type \(type)")
                }
                let entries: [JSONValue] = if case .array(let list) = value { list } else { [value] }
                for entry in entries {
                    guard required.allSatisfy({ entry[$0] != nil }) else {
                        throw Failure(
                            status: .badRequest, message: "\(type) records need \(required.joined(separator: ", "))")
                    }
                    if type == "CNAME", entry["host"]?.string == "@" {
                        throw Failure(status: .badRequest, message: "A CNAME cannot be at the apex")
                    }
                    try db.execute(
                        sql: "INSERT INTO twentyi_dns (package_id, domain, type, fields) VALUES (?, ?, ?, ?)",
                        arguments: [
                            number, domain, type, String(decoding: try JSONEncoder().encode(entry), as: UTF8.self),
                        ]
                    )
                }
            }
        }
        return ["result": true]
    }
}

/// The services taken off a sandbox reseller account.
final class WithheldServices: Sendable {
    let prefixes = Mutex<Set<String>>([])
}
