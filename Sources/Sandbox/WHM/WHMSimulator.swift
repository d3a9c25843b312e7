import Foundation
import GRDB
import Hummingbird

/// A WHM server as WHM API 1 shows it (CONTRACTS.md §2), backed by the sandbox database.
///
/// Choices where the contract is open, written down here as the contract asks:
/// - A refused token gets HTTP 403 with the v1 envelope, `reason: "Access denied"`.
/// - Without `api.version=1` the answer is the legacy shape `{"cpanelresult":{"error":…}}` refusing the call:
///   only API 1 is simulated.
/// - listaccts with no match answers `data: {"acct": []}`.
/// - Reseller packages are named `<reseller>_<name>`; nameservers are checked as host names.
/// - setupreseller is root's alone (the contract leaves its ACL open). Removing a reseller that still owns other
///   accounts is refused, so a test notices an account left behind; removing one takes its rights and tokens.
/// - Generic paging (`api.chunk.*`, 1-based) applies to the record list of listaccts (`acct`) and listpkgs (`pkg`);
///   `api.filter.*` and `api.sort.*` are not simulated.
package struct WHMSimulator: Sendable {
    let store: SandboxStore
    let now: @Sendable () -> Date
    package let address = SimulatorAddress()

    package init(store: SandboxStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// Adds (or keeps) a token for `user`; `root` is the server administrator, anyone else a reseller.
    package func addToken(user: String, token: String) async throws {
        try await store.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO whm_tokens (user, token) VALUES (?, ?)", arguments: [user, token])
        }
    }

    /// Sets what an account uses: megabytes on disk and bytes transferred this month (listaccts, showbw).
    package func setUsage(of user: String, diskMB: Double, bandwidthBytes: Int64) async throws {
        try await store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO whm_usage (user, disk_mb, bandwidth_bytes) VALUES (?, ?, ?)
                    ON CONFLICT (user) DO UPDATE SET disk_mb = excluded.disk_mb, bandwidth_bytes = excluded.bandwidth_bytes
                    """,
                arguments: [user, diskMB, bandwidthBytes])
        }
    }

    /// Takes privileges (WHM ACL names such as `create-acct`) away from a reseller, as an administrator can in
    /// WHM › Edit Reseller Nameservers and Privileges; `myprivs` then reports them as 0.
    package func revokePrivileges(_ privileges: [String], from user: String) async throws {
        try await store.write { db in
            for privilege in privileges {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO whm_revoked_privileges (user, privilege) VALUES (?, ?)",
                    arguments: [user, privilege])
            }
        }
    }

    /// Makes `user` a reseller with a starter and a pro package of its own; idempotent.
    package func ensureReseller(_ user: String, nameservers: [String] = []) async throws {
        try await store.write { db in
            try db.execute(
                sql: "INSERT INTO whm_resellers (user, nameservers) VALUES (?, ?) ON CONFLICT(user) DO NOTHING",
                arguments: [user, nameservers.joined(separator: ",")]
            )
            for (name, quota, bandwidth) in [("starter", "5120", "51200"), ("pro", "20480", "unlimited")] {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO whm_packages (name, owner, quota, bwlimit) VALUES (?, ?, ?, ?)",
                    arguments: ["\(user)_\(name)", user, quota, bandwidth]
                )
            }
        }
    }

    package func addRoutes(to router: Router<SandboxRequestContext>) {
        router.get("/json-api/{function}") { request, context in try await self.api(request, context: context) }
        router.post("/json-api/{function}") { request, context in try await self.api(request, context: context) }
        router.get("/{token}/login/") { request, context in try await self.login(request, context: context) }
    }

    private func api(_ request: Request, context: SandboxRequestContext) async throws -> Response {
        let function = context.parameters.get("function") ?? ""
        var request = request
        var arguments: [String: [String]] = [:]
        for (key, value) in request.uri.queryParameters { arguments[String(key), default: []].append(String(value)) }
        let body = try await request.collectBody(upTo: 1 << 20)
        for (name, value) in PHPForm.pairs(String(buffer: body)) { arguments[name, default: []].append(value) }
        let args = WHMArguments(values: arguments)
        guard let caller = try await authenticate(request) else {
            return try envelope(function, result: 0, reason: "Access denied", status: .forbidden)
        }
        guard args.first("api.version") == "1" else {
            return try SimulatorServer.json([
                "cpanelresult": ["error": "This sandbox speaks WHM API 1 only: add api.version=1"]
            ])
        }
        let baseURL = address.baseURL ?? "http://127.0.0.1"
        let now = self.now()
        if function == "cpanel" {
            // UAPI through WHM: the UAPI object under a top-level `result` (CONTRACTS.md §2.4).
            do {
                let result = try await store.write { db in
                    try WHMAction(db: db, args: args, caller: caller, now: now, baseURL: baseURL).uapi()
                }
                return try SimulatorServer.json(JSONValue.object(["result": result]))
            } catch let failure as WHMFailure {
                return try SimulatorServer.json(
                    JSONValue.object(["result": ["status": 0, "errors": .array([.string(failure.reason)])]]))
            }
        }
        do {
            let (reason, data, raw) = try await store.write { db in
                try WHMAction(db: db, args: args, caller: caller, now: now, baseURL: baseURL).perform(function)
            }
            let (paged, chunk) = try WHMChunking(args).apply(to: data)
            return try envelope(function, result: 1, reason: reason, data: paged, raw: raw, chunk: chunk)
        } catch let failure as WHMFailure {
            return try envelope(function, result: 0, reason: failure.reason)
        }
    }

    /// The user whose token the `Authorization: whm user:token` header carries, or nil.
    private func authenticate(_ request: Request) async throws -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("whm ") else { return nil }
        let credential = header.dropFirst(4).trimmingCharacters(in: .whitespaces)
        guard let colon = credential.firstIndex(of: ":") else { return nil }
        let user = String(credential[..<colon])
        let token = String(credential[credential.index(after: colon)...])
        let tokens = try await store.read { db in
            try String.fetchAll(db, sql: "SELECT token FROM whm_tokens WHERE user = ?", arguments: [user])
        }
        return tokens.contains { constantTimeEquals($0, token) } ? user : nil
    }

    private func envelope(
        _ function: String, result: Int, reason: String, data: JSONValue? = nil, raw: String? = nil,
        chunk: JSONValue? = nil, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var metadata: [String: JSONValue] = [
            "command": .string(function), "version": 1, "result": .number(Double(result)), "reason": .string(reason),
        ]
        if let raw { metadata["output"] = ["raw": .string(raw)] }
        if let chunk { metadata["chunk"] = chunk }
        var body: [String: JSONValue] = ["metadata": .object(metadata)]
        if let data { body["data"] = data }
        return try SimulatorServer.json(JSONValue.object(body), status: status)
    }

    /// `/cpsess…/login/?session=…`: where create_user_session's URL leads; a session works once and for 15 minutes.
    private func login(_ request: Request, context: SandboxRequestContext) async throws -> Response {
        let session = request.uri.queryParameters.get("session") ?? ""
        let now = Int(self.now().timeIntervalSince1970)
        let signedIn: (user: String, service: String)? = try await store.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT user, service, expires FROM whm_sessions WHERE session = ?", arguments: [session]),
                (row["expires"] as Int) > now
            else { return nil }
            try db.execute(sql: "DELETE FROM whm_sessions WHERE session = ?", arguments: [session])
            return (row["user"], row["service"])
        }
        let user = signedIn?.user
        // The page the session opens: webmail, a cPanel application (goto_app), or cPanel's home.
        let app = request.uri.queryParameters.get("goto_app").map { String($0) }
        let page =
            signedIn.map { signedIn in
                let product = signedIn.service == "webmaild" ? "Webmail" : "cPanel"
                let opened = app.map { "<p>Application: \(escapeHTML($0))</p>" } ?? "<p>Home</p>"
                return "<!doctype html><link rel=\"icon\" href=\"data:,\"><title>\(product)</title><h1>\(product)</h1>"
                    + "<p>Signed in as \(escapeHTML(signedIn.user)).</p>\(opened)"
            }
            ?? "<!doctype html><link rel=\"icon\" href=\"data:,\"><title>cPanel Login</title><h1>Login</h1>"
            + "<p>The session has expired.</p>"
        return Response(
            status: user == nil ? .unauthorized : .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: page))
        )
    }
}

/// A WHM API 1 failure: `metadata.result = 0` with this reason, in HTTP 200.
struct WHMFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Query and body arguments; repeated names keep every value.
struct WHMArguments: Sendable {
    let values: [String: [String]]

    func first(_ key: String) -> String? { values[key]?.last }

    func nonEmpty(_ key: String) -> String? {
        guard let value = first(key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func required(_ key: String) throws -> String {
        guard let value = nonEmpty(key) else { throw WHMFailure("The \"\(key)\" parameter is required.") }
        return value
    }
}
