import Foundation
import GRDB
import Hummingbird

/// Cloud servers, the domains in the account, StackCP users and single sign-on.
///
/// Choices where the contract is open (its reference sits behind a login):
/// - `POST /reseller/{rid}/addCloudServer` takes the body of 20i's managed cloud hosting guide:
///   `{"configuration": {provider ("20icloud"|"aws"|"gcp"), mvpsName, optimisation, spec, zone?, bandwidth?, disk?},
///   "periodMonths", "type" ("cloud-20i"|"cloud-aws"|"cloud-gcp"), "options"?, "forUser"?}`, and answers
///   `{"result": <id>}` (the guide shows no answer). The server gets the CPU, RAM and storage that the spec has at
///   that provider in the resource map the sandbox was started with, and an address from 192.0.2.0/24. A missing
///   key, an unknown provider or spec, or a type for another provider is a 400.
///   `GET /managed_vps` and `GET /managed_vps/{id}` (the reference's paths; it shows no fields) answer
///   `{id, name, provider, size, cpu, ram, storage, status, ipAddress, hostname, created}`; a new server is `running`;
///   an unknown id is a 404.
/// - `GET /domain` answers `[{id, name, expiryDate (ISO 8601), nameservers[], privacyService}]`.
/// - A registered domain with no package has a zone of its own, addressed with the domain's name as both package
///   and domain (`/package/example.com/domain/example.com/dns`), as the contract's id shortcuts allow.
/// - Nameservers: GET answers `{"ns": […]}`; POST `{ns, old-ns}` replaces them (2 to 13, each a host name).
///   WHOIS privacy on or off: `POST /package/{pid}/domain/{did}/privacyState` with `{"enabled": bool}`;
///   `POST …/privacy` takes `{"emailDestination"}` and does not turn privacy on or off.
/// - Single sign-on: `/login/authenticate`, `/login/implicitBranded` and `/login/sso` answer on the simulator's own
///   address (live they are auth-api.20i.com:3000 and www.stackcp.com); the general key is accepted for the token.
///   An SSO session opens once, within five minutes.
extension TwentyISimulator {
    static let cloudSchema = """
        CREATE TABLE twentyi_cloud_servers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            provider TEXT NOT NULL,
            size TEXT NOT NULL,
            cpu INTEGER NOT NULL,
            ram INTEGER NOT NULL,
            storage INTEGER NOT NULL,
            status TEXT NOT NULL,
            stack_user TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL
        );
        INSERT INTO sqlite_sequence (name, seq) VALUES ('twentyi_cloud_servers', 7000);
        CREATE TABLE twentyi_stack_users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT NOT NULL);
        CREATE TABLE twentyi_sso (token TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, expires REAL NOT NULL);
        """

    func addCloudRoutes(to router: Router<SandboxRequestContext>) {
        router.post("/reseller/{rid}/addCloudServer") { request, context in
            try await self.handle(request, context) { db, body in try self.addCloudServer(db, body) }
        }
        router.get("/managed_vps") { request, context in
            try await self.handle(request, context) { db, _ in
                .array(
                    try Row.fetchAll(db, sql: "SELECT * FROM twentyi_cloud_servers ORDER BY id").map(Self.cloudServer))
            }
        }
        router.get("/managed_vps/{id}") { request, context in
            let id = Int64(context.parameters.get("id") ?? "") ?? 0
            return try await self.handle(request, context) { db, _ in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT * FROM twentyi_cloud_servers WHERE id = ?", arguments: [id])
                else {
                    throw Failure(status: .notFound, message: "No such cloud server")
                }
                return Self.cloudServer(row)
            }
        }
        router.get("/domain") { request, context in
            try await self.handle(request, context) { db, _ in
                .array(
                    try Row.fetchAll(db, sql: "SELECT * FROM twentyi_domains ORDER BY name").map { row in
                        let nameservers: String = row["nameservers"]
                        return .object([
                            "id": .string(row["name"]), "name": .string(row["name"]),
                            "expiryDate": .string(row["expires"]),
                            "nameservers": .array(nameservers.split(separator: ",").map { .string(String($0)) }),
                            "privacyService": .bool(row["privacy"] as Bool),
                        ])
                    })
            }
        }
        router.get("/package/{pid}/domain/{domain}/nameservers") { request, context in
            let domain = context.parameters.get("domain") ?? ""
            return try await self.handle(request, context) { db, _ in
                let row = try Self.registeredDomain(db, domain)
                let nameservers: String = row["nameservers"]
                return ["ns": .array(nameservers.split(separator: ",").map { .string(String($0)) })]
            }
        }
        router.post("/package/{pid}/domain/{domain}/nameservers") { request, context in
            let domain = context.parameters.get("domain") ?? ""
            return try await self.handle(request, context) { db, body in
                _ = try Self.registeredDomain(db, domain)
                let nameservers = body["ns"]?.elements.compactMap(\.string).map { $0.lowercased() } ?? []
                guard (2...13).contains(nameservers.count),
                    nameservers.allSatisfy({ $0.contains(".") && !$0.contains(" ") })
                else {
                    throw Failure(status: .badRequest, message: "Between 2 and 13 nameservers are needed")
                }
                try db.execute(
                    sql: "UPDATE twentyi_domains SET nameservers = ? WHERE name = ?",
                    arguments: [nameservers.joined(separator: ","), domain.lowercased()])
                return ["result": true]
            }
        }
        router.post("/package/{pid}/domain/{domain}/privacy") { request, context in
            let domain = context.parameters.get("domain") ?? ""
            return try await self.handle(request, context) { db, body in
                _ = try Self.registeredDomain(db, domain)
                guard let destination = body["emailDestination"]?.string, destination.contains("@") else {
                    throw Failure(status: .badRequest, message: "emailDestination is required")
                }
                return ["result": true]
            }
        }
        router.post("/package/{pid}/domain/{domain}/privacyState") { request, context in
            let domain = context.parameters.get("domain") ?? ""
            return try await self.handle(request, context) { db, body in
                _ = try Self.registeredDomain(db, domain)
                guard let enabled = body["enabled"]?.bool else {
                    throw Failure(status: .badRequest, message: "enabled is required")
                }
                try db.execute(
                    sql: "UPDATE twentyi_domains SET privacy = ? WHERE name = ?",
                    arguments: [enabled, domain.lowercased()])
                return ["result": true]
            }
        }
        router.get("/reseller/{rid}/susers") { request, context in
            try await self.handle(request, context) { db, _ in
                [
                    "users": .array(
                        try Row.fetchAll(db, sql: "SELECT * FROM twentyi_stack_users ORDER BY id").map { row in
                            [
                                "type": "stack-user", "id": .string(String(row["id"] as Int64)),
                                "name": .string(row["email"]), "person_name": .string(row["name"]),
                            ]
                        })
                ]
            }
        }
        router.post("/reseller/{rid}/susers") { request, context in
            try await self.handle(request, context) { db, body in
                guard let email = body["newUser"]?["email"]?.string, email.contains("@") else {
                    throw Failure(status: .badRequest, message: "newUser.email is required")
                }
                guard
                    try Bool.fetchOne(db, sql: "SELECT 1 FROM twentyi_stack_users WHERE email = ?", arguments: [email])
                        != true
                else {
                    throw Failure(status: .badRequest, message: "A stack user with that email exists")
                }
                try db.execute(
                    sql: "INSERT INTO twentyi_stack_users (email, name) VALUES (?, ?)",
                    arguments: [email, body["newUser"]?["person_name"]?.string ?? ""])
                return ["result": ["ref": .string("stack-user:\(db.lastInsertedRowID)")]]
            }
        }
        router.get("/reseller/{rid}/customisations") { request, context in
            try await self.handle(request, context) { _, _ in ["brandName": "Sandbox reseller"] }
        }
        router.post("/login/authenticate") { request, context in
            try await self.handle(request, context) { db, body in
                guard body["grant_type"]?.string == "client_credentials", let scope = body["scope"]?.string,
                    let id = Int64(scope.replacingOccurrences(of: "stack-user:", with: "")),
                    try Bool.fetchOne(db, sql: "SELECT 1 FROM twentyi_stack_users WHERE id = ?", arguments: [id])
                        == true
                else { throw Failure(status: .badRequest, message: "invalid_scope") }
                let token = try self.issue(db, kind: "access", subject: scope)
                return [
                    "access_token": .string(token), "token_type": "bearer", "expires_in": 300, "scope": .string(scope),
                ]
            }
        }
        router.post("/login/implicitBranded") { request, context in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 16)
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
                let token = Data(base64Encoded: String(header.dropFirst(7))).map({ String(decoding: $0, as: UTF8.self) }
                )
            else { return try Self.error(.unauthorized, "A bearer token is required") }
            let now = self.now().timeIntervalSince1970
            let session: String? = try await self.store.write { db in
                guard
                    let subject = try String.fetchOne(
                        db,
                        sql:
                            "DELETE FROM twentyi_sso WHERE token = ? AND kind = 'access' AND expires > ? RETURNING subject",
                        arguments: [token, now])
                else { return nil }
                return try self.issue(db, kind: "session", subject: subject)
            }
            guard let session else { return try Self.error(.unauthorized, "The access token is not valid") }
            return try SimulatorServer.json(JSONValue.object(["session_id": .string(session)]))
        }
        router.get("/login/sso") { request, _ in
            let id = request.uri.queryParameters.get("PHPSESSID") ?? ""
            let now = self.now().timeIntervalSince1970
            let subject = try await self.store.write { db in
                try String.fetchOne(
                    db,
                    sql:
                        "DELETE FROM twentyi_sso WHERE token = ? AND kind = 'session' AND expires > ? RETURNING subject",
                    arguments: [id, now])
            }
            guard let subject else {
                return Response(
                    status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "This sign-in link has expired.")))
            }
            let page =
                "<!doctype html><title>StackCP (sandbox)</title><h1>StackCP (sandbox)</h1><p>Signed in as \(subject).</p>"
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: page)))
        }
    }

    private func issue(_ db: Database, kind: String, subject: String) throws -> String {
        let token = WHMCSAction.randomToken(32, alphabet: "abcdefghijklmnopqrstuvwxyz0123456789")
        try db.execute(
            sql: "INSERT INTO twentyi_sso (token, kind, subject, expires) VALUES (?, ?, ?, ?)",
            arguments: [token, kind, subject, now().timeIntervalSince1970 + 300]
        )
        return token
    }

    /// 20i's provider names, by the resource map's provider ids, and the server type each takes.
    static let cloudProviders = [
        "20icloud": ("20i", "cloud-20i"), "aws": ("aws", "cloud-aws"), "gcp": ("gcp", "cloud-gcp"),
    ]

    func addCloudServer(_ db: Database, _ body: JSONValue) throws -> JSONValue {
        let configuration = body["configuration"]
        guard let provider = configuration?["provider"]?.string, let size = configuration?["spec"]?.string,
            configuration?["optimisation"]?.string != nil, let type = body["type"]?.string,
            let months = body["periodMonths"]?.int, months >= 1
        else {
            throw Failure(
                status: .badRequest,
                message:
                    "configuration.provider, configuration.spec, configuration.optimisation, type and periodMonths are required"
            )
        }
        guard let (mapped, expectedType) = Self.cloudProviders[provider], type == expectedType else {
            throw Failure(status: .badRequest, message: "Unknown provider \(provider) for type \(type)")
        }
        guard let resources = cloudSizes.resources(provider: mapped, size: size) else {
            throw Failure(status: .badRequest, message: "Unknown spec \(size) at provider \(provider)")
        }
        let given = configuration?["mvpsName"]?.string ?? ""
        let name = given.isEmpty ? "mvps-\(Int(now().timeIntervalSince1970))" : given
        try db.execute(
            sql: """
                INSERT INTO twentyi_cloud_servers (name, provider, size, cpu, ram, storage, status, stack_user, created)
                VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)
                """,
            arguments: [
                name, mapped, size, resources.cpu, resources.ramGB, resources.storageGB,
                body["forUser"]?.string ?? "",
                ISO8601DateFormatter().string(from: now()),
            ]
        )
        return ["result": .number(Double(db.lastInsertedRowID))]
    }

    static func cloudServer(_ row: Row) -> JSONValue {
        let id: Int64 = row["id"]
        return .object([
            "id": .string(String(id)), "name": .string(row["name"]), "provider": .string(row["provider"]),
            "size": .string(row["size"]),
            "cpu": .number(Double(row["cpu"] as Int)), "ram": .number(Double(row["ram"] as Int)),
            "storage": .number(Double(row["storage"] as Int)),
            "status": .string(row["status"]), "ipAddress": .string("192.0.2.\(100 + id % 100)"),
            "hostname": .string("cs\(id).sandbox-cloud.invalid"), "created": .string(row["created"]),
        ])
    }

    static func registeredDomain(_ db: Database, _ name: String) throws -> Row {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM twentyi_domains WHERE name = ?", arguments: [name.lowercased()])
        else {
            throw Failure(status: .notFound, message: "No such domain")
        }
        return row
    }
}
