import Foundation
import GRDB
import Hummingbird

/// A WHMCS installation as the External API shows it (CONTRACTS.md §1), backed by the sandbox database.
///
/// Choices where the contract is open, written down here as the contract asks:
/// - Empty lists come back as a stock WHMCS writes them: without the outer key (GetClients, GetOrders, GetTickets,
///   GetProducts, GetClientGroups, GetSupportDepartments, GetCurrencies), as `[]` (GetInvoices) or as `""`
///   (GetClientsProducts, GetClientsDomains); an invoice without payments has `"transactions": ""`, as in the
///   GetInvoice example.
/// - Responses are `application/json; charset=utf-8`.
/// - Without `responsetype`, list actions answer XML and the others NVP, as 7.8 does.
/// - Ids in responses are strings and paging counters are numbers, following the documented examples.
/// - AddClient without `owner_user_id` and without `password2` fails with "You did not enter a password"
///   (the contract says a password is needed then; the exact message was not documented).
/// - Multipart bodies are not read; the portal always sends form bodies.
/// - The legacy admin `username` + MD5 `password` login is not simulated; an identifier/secret pair in those
///   fields is accepted, as 7.8 does.
package struct WHMCSSimulator: Sendable {
    let store: SandboxStore
    let now: @Sendable () -> Date
    package let address = SimulatorAddress()

    package init(store: SandboxStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// Adds API credentials (identifier + secret) the simulator accepts; `allowedActions` nil allows every action.
    package func addCredential(identifier: String, secret: String, allowedActions: [String]? = nil) async throws {
        let allowed = allowedActions.map { $0.map { $0.lowercased() }.joined(separator: ",") }
        try await store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO whmcs_api_credentials (identifier, secret, allowed_actions) VALUES (?, ?, ?)
                    ON CONFLICT(identifier) DO UPDATE SET secret = excluded.secret, allowed_actions = excluded.allowed_actions
                    """,
                arguments: [identifier, secret, allowed]
            )
        }
    }

    /// The access key that lets a request past the IP allow-list; nil when none is configured.
    package func setAccessKey(_ key: String?) throws {
        try store.setSetting("whmcs.accesskey", to: key ?? "")
    }

    /// A promotion as staff make one in WHMCS (Marketing › Promotions): `type` is `Percentage`, `Fixed Amount`,
    /// `Price Override` or `Free Setup`; `value` as WHMCS writes it; `appliesTo` product ids; `cycles` such as
    /// `Monthly,Annually` (empty for any); dates `YYYY-MM-DD` or nil.
    package func addPromotion(
        code: String, type: String, value: String, appliesTo: [Int], cycles: String = "", starts: String? = nil,
        expires: String? = nil, maximumUses: Int = 0, uses: Int = 0
    ) async throws {
        try await store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO whmcs_promotions (code, type, value, cycles, appliesto, startdate, expirationdate,
                        maxuses, uses)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    code, type, value, cycles, appliesTo.map(String.init).joined(separator: ","),
                    starts ?? "0000-00-00", expires ?? "0000-00-00", maximumUses, uses,
                ])
        }
    }

    /// The client group of one brand (by slug), created on first use and the same ever after.
    package func ensureClientGroup(slug: String, name: String) async throws -> Int {
        try await store.write { db in
            let key = "whmcs.group.\(slug)"
            if let stored = try String.fetchOne(
                db, sql: "SELECT value FROM sandbox_settings WHERE key = ?", arguments: [key]),
                let id = Int(stored)
            {
                return id
            }
            try db.execute(sql: "INSERT INTO whmcs_client_groups (groupname) VALUES (?)", arguments: [name])
            let id = Int(db.lastInsertedRowID)
            try db.execute(
                sql: "INSERT INTO sandbox_settings (key, value) VALUES (?, ?)", arguments: [key, String(id)])
            return id
        }
    }

    /// The product group of a brand's products, made on first use; idempotent per slug.
    package func ensureProductGroup(slug: String, name: String) async throws -> Int {
        try await store.write { db in
            let key = "whmcs.productgroup.\(slug)"
            if let stored = try String.fetchOne(
                db, sql: "SELECT value FROM sandbox_settings WHERE key = ?", arguments: [key]),
                let id = Int(stored)
            {
                return id
            }
            try db.execute(sql: "INSERT INTO whmcs_product_groups (name) VALUES (?)", arguments: [name])
            let id = Int(db.lastInsertedRowID)
            try db.execute(
                sql: "INSERT INTO sandbox_settings (key, value) VALUES (?, ?)", arguments: [key, String(id)])
            return id
        }
    }

    package func addRoutes(to router: Router<SandboxRequestContext>) {
        router.post("/includes/api.php") { request, context in try await self.api(request, context: context) }
        router.get("/includes/api.php") { request, context in try await self.api(request, context: context) }
        router.get("/oauth/singlesignon.php") { request, _ in try await self.singleSignOn(request) }
        router.get("/viewinvoice.php") { request, _ in try await self.viewInvoice(request) }
        router.post("/viewinvoice.php") { request, _ in try await self.payInvoice(request) }
    }

    // MARK: Transport, authentication and envelope

    private func api(_ request: Request, context: SandboxRequestContext) async throws -> Response {
        var request = request
        var fields: [String: FormValue] = [:]
        if let query = request.uri.query { fields = PHPForm.fields(query) }
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        let body = try await request.collectBody(upTo: 4 << 20)
        if contentType.hasPrefix("application/x-www-form-urlencoded") || contentType.isEmpty {
            // Body values win over the query string on a clash (CONTRACTS.md §1.1).
            for (key, value) in PHPForm.fields(String(buffer: body)) { fields[key] = value }
        }
        let params = WHMCSParams(fields: fields)
        let format = params.string("responsetype")?.lowercased()
        let action = (params.string("action") ?? "").lowercased()
        do {
            if let format, !["json", "xml", "nvp"].contains(format) {
                throw WHMCSFailure("Unsupported API response type format: \(format)")
            }
            let allowed = try await authenticate(params, context: context)
            guard !action.isEmpty else { throw WHMCSFailure("Empty action request", status: .badRequest) }
            guard action.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw WHMCSFailure("Invalid API Command")
            }
            if let allowed, !allowed.contains(action) {
                throw WHMCSFailure("Invalid Permissions: API action \"\(action)\" is not allowed", status: .forbidden)
            }
            let result = try await perform(action, params)
            var body: [String: JSONValue] = ["result": "success"]
            if case .object(let extra) = result { body.merge(extra) { _, new in new } }
            return try render(.object(body), format: format, action: action)
        } catch let failure as WHMCSFailure {
            return try render(
                ["result": "error", "message": .string(failure.message)], format: format, action: action,
                status: failure.status)
        }
    }

    /// The 7.8 order of checks (CONTRACTS.md §1.2), with its messages and statuses. Returns the actions the
    /// credential's role allows, or nil for all.
    private func authenticate(_ params: WHMCSParams, context: SandboxRequestContext) async throws -> Set<String>? {
        let accessKey = try await store.storedSetting("whmcs.accesskey") ?? ""
        if !accessKey.isEmpty, let sent = params.string("accesskey"), sent != accessKey {
            throw WHMCSFailure("Invalid Access Key", status: .forbidden)
        }
        let keyAccepted = !accessKey.isEmpty && params.string("accesskey") == accessKey
        if !keyAccepted, !context.isLoopback {
            throw WHMCSFailure("Invalid IP \(context.remoteAddress?.ipAddress ?? "unknown")", status: .forbidden)
        }
        // An identifier/secret pair is also accepted in the legacy username/password fields.
        let identifier = params.nonEmpty("identifier") ?? params.nonEmpty("username")
        let secret = params.string("secret") ?? params.string("password")
        guard let identifier else { throw WHMCSFailure("Invalid or missing credentials", status: .forbidden) }
        let stored = try await store.read { db in
            try Row.fetchOne(
                db, sql: "SELECT secret, allowed_actions FROM whmcs_api_credentials WHERE identifier = ?",
                arguments: [identifier]
            ).map { (secret: $0["secret"] as String, allowed: $0["allowed_actions"] as String?) }
        }
        guard let stored else { throw WHMCSFailure("Invalid or missing credentials", status: .forbidden) }
        guard let secret, constantTimeEquals(secret, stored.secret) else {
            throw WHMCSFailure("Authentication Failed", status: .forbidden)
        }
        return stored.allowed.map { Set($0.split(separator: ",").map(String.init)) }
    }

    private func perform(_ action: String, _ params: WHMCSParams) async throws -> JSONValue {
        let now = self.now()
        let baseURL = address.baseURL ?? "http://127.0.0.1"
        return try await store.write { db in
            let context = WHMCSAction(db: db, params: params, now: now, baseURL: baseURL)
            switch action {
            case "addclient": return try context.addClient()
            case "getclientsdetails": return try context.getClientsDetails()
            case "getclients": return try context.getClients()
            case "updateclient": return try context.updateClient()
            case "getclientgroups": return try context.getClientGroups()
            case "addorder": return try context.addOrder()
            case "acceptorder": return try context.acceptOrder()
            case "getorders": return try context.getOrders()
            case "getproducts": return try context.getProducts()
            case "addproduct": return try context.addProduct()
            case "getcurrencies": return try context.getCurrencies()
            case "getclientsproducts": return try context.getClientsProducts()
            case "getclientsdomains": return try context.getClientsDomains()
            case "modulecreate": return try context.module(.create)
            case "modulesuspend": return try context.module(.suspend)
            case "moduleunsuspend": return try context.module(.unsuspend)
            case "moduleterminate": return try context.module(.terminate)
            case "getinvoices": return try context.getInvoices()
            case "getinvoice": return try context.getInvoice()
            case "addinvoicepayment": return try context.addInvoicePayment()
            case "addtransaction": return try context.addTransaction()
            case "gettransactions": return try context.getTransactions()
            case "updateinvoice": return try context.updateInvoice()
            case "getpromotions": return try context.getPromotions()
            case "createinvoice": return try context.createInvoice()
            case "openticket": return try context.openTicket()
            case "gettickets": return try context.getTickets()
            case "addticketreply": return try context.addTicketReply()
            case "getsupportdepartments": return try context.getSupportDepartments()
            case "getticket": return try context.getTicket()
            case "addcancelrequest": return try context.addCancelRequest()
            case "upgradeproduct": return try context.upgradeProduct()
            case "updateclientproduct": return try context.updateClientProduct()
            case "createssotoken": return try context.createSsoToken()
            case "getemails": return try context.getEmails()
            default: throw WHMCSFailure("API Function Not Found")
            }
        }
    }

    private static let listActions: Set<String> = [
        "getclients", "getorders", "getinvoices", "getinvoice", "getproducts", "getclientsproducts",
        "getclientsdomains", "gettickets",
        "getclientgroups", "getemails",
    ]

    private func render(
        _ body: JSONValue, format: String?, action: String, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let resolved = format ?? (Self.listActions.contains(action) ? "xml" : "nvp")
        let text: String
        let type: String
        switch resolved {
        case "xml":
            text =
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<whmcsapi version=\"7.8.0\">" + WHMCSWire.xml(body)
                + "</whmcsapi>"
            type = "text/xml; charset=utf-8"
        case "nvp":
            text = WHMCSWire.nvp(body)
            type = "text/plain; charset=utf-8"
        default:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            text = String(decoding: try encoder.encode(body), as: UTF8.self)
            type = "application/json; charset=utf-8"
        }
        return Response(
            status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `/oauth/singlesignon.php?access_token=…`: spends a token once, within its minute, and signs the browser in
    /// (a cookie holding the spent token). A custom redirect then goes on to its page.
    private func singleSignOn(_ request: Request) async throws -> Response {
        let token = request.uri.queryParameters.get("access_token") ?? ""
        let now = self.now().timeIntervalSince1970
        let signedIn: (name: String, path: String)? = try await store.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT client_id, expires_at, used, redirect_path FROM whmcs_sso_tokens WHERE token = ?",
                    arguments: [token]
                ), row["used"] as Int == 0, (row["expires_at"] as Double) > now
            else { return nil }
            try db.execute(sql: "UPDATE whmcs_sso_tokens SET used = 1 WHERE token = ?", arguments: [token])
            let id: Int = row["client_id"]
            let name = try String.fetchOne(
                db, sql: "SELECT firstname || ' ' || lastname FROM whmcs_clients WHERE id = ?", arguments: [id])
            return (name ?? "", row["redirect_path"])
        }
        guard let signedIn else {
            return Self.page(
                "Login", "<h1>Single sign-on failed</h1><p>The link has expired or was already used.</p>",
                status: .unauthorized)
        }
        let cookie = "WHMCSSandboxClient=\(token); Path=/; HttpOnly; SameSite=Lax"
        if !signedIn.path.isEmpty {
            let base = address.baseURL ?? ""
            return Response(
                status: .found, headers: [.location: "\(base)/\(signedIn.path)", .setCookie: cookie])
        }
        var response = Self.page(
            "Client Area", "<h1>Client Area</h1><p>Signed in as \(escapeHTML(signedIn.name)).</p>", status: .ok)
        response.headers[.setCookie] = cookie
        return response
    }

    /// The client signed in by single sign-on (the cookie holding the spent token).
    private static func signedInToken(_ request: Request) -> String? {
        let cookie = request.headers[.cookie] ?? ""
        return cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("WHMCSSandboxClient=") }.map { String($0.dropFirst("WHMCSSandboxClient=".count)) }
    }

    /// "Pay Now" on the invoice: WHMCS's own gateway takes the payment (recorded as a transaction with the invoice's
    /// payment method), as for a brand that has not connected Stripe.
    private func payInvoice(_ request: Request) async throws -> Response {
        let token = Self.signedInToken(request)
        let invoiceID = request.uri.queryParameters.get("id").flatMap { Int($0) } ?? 0
        let now = self.now()
        let paid: Bool = try await store.write { db in
            guard let token,
                let client = try Int.fetchOne(
                    db, sql: "SELECT client_id FROM whmcs_sso_tokens WHERE token = ? AND used = 1", arguments: [token]),
                let row = try Row.fetchOne(
                    db, sql: "SELECT total, status, paymentmethod FROM whmcs_invoices WHERE id = ? AND userid = ?",
                    arguments: [invoiceID, client]),
                (row["status"] as String) == "Unpaid"
            else { return false }
            let stamp = WHMCSAction.format(now, "yyyy-MM-dd HH:mm:ss")
            try db.execute(
                sql: """
                    INSERT INTO whmcs_transactions (invoiceid, userid, transid, gateway, date, amountin, description)
                    VALUES (?, ?, ?, ?, ?, ?, 'Invoice Payment')
                    """,
                arguments: [
                    invoiceID, client, "gateway-" + WHMCSAction.randomToken(12), row["paymentmethod"] as String, stamp,
                    row["total"] as Int,
                ])
            try db.execute(
                sql: "UPDATE whmcs_invoices SET status = 'Paid', datepaid = ? WHERE id = ?",
                arguments: [stamp, invoiceID])
            try WHMCSAction(db: db, params: WHMCSParams(fields: [:]), now: now, baseURL: "").advanceDueDates(
                paidInvoice: invoiceID)
            return true
        }
        guard paid else {
            return Self.page("Login", "<h1>Login</h1><p>Sign in to pay this invoice.</p>", status: .forbidden)
        }
        return Self.page(
            "Invoice #\(invoiceID)",
            "<h1>Invoice #\(invoiceID)</h1><p>Status: Paid</p><p>Thank you: the payment is recorded. You can close "
                + "this page and go back to your account.</p>",
            status: .ok)
    }

    /// `/viewinvoice.php?id=…`: the invoice, for the client signed in by single sign-on; anyone else is asked to
    /// sign in.
    private func viewInvoice(_ request: Request) async throws -> Response {
        let token = Self.signedInToken(request)
        let invoiceID = request.uri.queryParameters.get("id").flatMap { Int($0) } ?? 0
        let invoice: (total: Int, status: String)? = try await store.read { db in
            guard let token,
                let client = try Int.fetchOne(
                    db, sql: "SELECT client_id FROM whmcs_sso_tokens WHERE token = ? AND used = 1", arguments: [token]),
                let row = try Row.fetchOne(
                    db, sql: "SELECT total, status FROM whmcs_invoices WHERE id = ? AND userid = ?",
                    arguments: [invoiceID, client])
            else { return nil }
            return (row["total"], row["status"])
        }
        guard let invoice else {
            return Self.page("Login", "<h1>Login</h1><p>Sign in to view this invoice.</p>", status: .forbidden)
        }
        return Self.page(
            "Invoice #\(invoiceID)",
            "<h1>Invoice #\(invoiceID)</h1><p>Status: \(escapeHTML(invoice.status))</p>"
                + "<p>Total: \(WHMCSAction.money(invoice.total).string ?? "")</p>"
                + (invoice.status == "Unpaid"
                    ? "<form method=\"post\" action=\"/viewinvoice.php?id=\(invoiceID)\"><button>Pay Now</button></form>"
                    : ""),
            status: .ok)
    }

    private static func page(_ title: String, _ body: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(
                byteBuffer: ByteBuffer(string: "<!doctype html><title>\(escapeHTML(title))</title>\(body)")))
    }
}

/// A WHMCS error: `result: error` with this message, in HTTP 200 unless auth or an empty action.
struct WHMCSFailure: Error {
    let message: String
    let status: HTTPResponse.Status

    init(_ message: String, status: HTTPResponse.Status = .ok) {
        self.message = message
        self.status = status
    }
}

func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let left = Array(a.utf8)
    let right = Array(b.utf8)
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in left.indices { difference |= left[index] ^ right[index] }
    return difference == 0
}

func escapeHTML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
