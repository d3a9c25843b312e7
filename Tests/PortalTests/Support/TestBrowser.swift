import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Synchronization
import Tenancy

@testable import Portal

/// An answer as a browser sees it, before following any redirect.
struct BrowserResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    /// The body's bytes, for answers that are not text (a PDF).
    var bytes: [UInt8] = []

    /// Where a hand-off page (`<meta http-equiv="refresh" content="0;url=…">`) moves on to, as written in the HTML.
    var handoffAsWritten: String? {
        text.firstMatch(of: /<meta http-equiv="refresh" content="0;url=([^"]+)">/).map { String($0.1) }
    }

    /// The same address, unescaped.
    var handoff: String? {
        handoffAsWritten?.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#61;", with: "=")
            .replacingOccurrences(of: "&#x3D;", with: "=")
    }
}

/// A browser on one host: keeps cookies, sends same-origin headers and the page's CSRF token,
/// and does not follow redirects, so tests see each 303 and its cookies.
final class TestBrowser: Sendable {
    /// One client for every test; never shut down, it lives as long as the test process.
    static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(30), read: .seconds(120)))
    )

    let port: Int
    let host: String
    private let state = Mutex<
        (cookies: [String: String], csrf: String, history: [(path: String, response: BrowserResponse)])
    >(
        ([:], "", []))

    /// Every answer this browser got, in order, with the path it asked for: what the user saw.
    var history: [(path: String, response: BrowserResponse)] { state.withLock { $0.history } }

    init(_ client: any TestClientProtocol, host: String) {
        self.port = client.port ?? 0
        self.host = host
    }

    var cookies: [String: String] { state.withLock { $0.cookies } }

    func setCookie(_ name: String, _ value: String?) {
        state.withLock { $0.cookies[name] = value }
    }

    @discardableResult
    func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> BrowserResponse {
        try await send(path, method: .GET, headers: headers(extra), body: nil)
    }

    private func send(_ path: String, method: HTTPMethod, headers: HTTPFields, body: [UInt8]?) async throws
        -> BrowserResponse
    {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        // A guard against a hang, not a measure of speed: a 2-core machine running a build beside the suite is slow.
        let response = try await Self.http.execute(request, timeout: .seconds(120))
        let buffer = try await response.body.collect(upTo: 4 << 20)
        var fields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let answer = BrowserResponse(
            status: HTTPResponse.Status(code: Int(response.status.code)), headers: fields, text: String(buffer: buffer),
            bytes: Array(buffer: buffer)
        )
        remember(answer)
        state.withLock { $0.history.append((path, answer)) }
        return answer
    }

    /// Submits a form as the page would: with the last CSRF token seen, unless `csrf` overrides it.
    @discardableResult
    func post(_ path: String, _ fields: [String: String], csrf: String? = nil, headers extra: HTTPFields = [:])
        async throws -> BrowserResponse
    {
        var fields = fields
        if fields["_csrf"] == nil { fields["_csrf"] = csrf ?? state.withLock { $0.csrf } }
        let body = fields.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        var headers = headers(extra)
        headers[.contentType] = "application/x-www-form-urlencoded"
        if headers[HTTPField.Name("Origin")!] == nil && headers[HTTPField.Name("Sec-Fetch-Site")!] == nil {
            headers[HTTPField.Name("Origin")!] = "http://\(host)"
        }
        return try await send(path, method: .POST, headers: headers, body: Array(body.utf8))
    }

    /// Submits a file upload form (`multipart/form-data`) with the last CSRF token seen.
    @discardableResult
    func upload(_ path: String, _ fields: [String: String], file: (name: String, filename: String, bytes: [UInt8]))
        async throws -> BrowserResponse
    {
        var fields = fields
        if fields["_csrf"] == nil { fields["_csrf"] = state.withLock { $0.csrf } }
        let boundary = "----PortalTestBoundary\(UUID().uuidString.prefix(8))"
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\n"
                .utf8)
        body += Array("Content-Type: image/png\r\n\r\n".utf8) + file.bytes + Array("\r\n--\(boundary)--\r\n".utf8)
        var headers = headers([:])
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        headers[HTTPField.Name("Origin")!] = "http://\(host)"
        return try await send(path, method: .POST, headers: headers, body: body)
    }

    private func headers(_ extra: HTTPFields) -> HTTPFields {
        var headers = extra
        headers[.testHost] = host
        let cookies = state.withLock { $0.cookies }
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: "; ")
        }
        return headers
    }

    private func remember(_ response: BrowserResponse) {
        state.withLock { state in
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let name = String(pair[0])
                if header.contains("Max-Age=0") || pair[1].isEmpty {
                    state.cookies[name] = nil
                } else {
                    state.cookies[name] = String(pair[1])
                }
            }
            if let match = response.text.firstMatch(of: /name="_csrf" value="([^"]+)"/) {
                state.csrf = String(match.1)
            }
        }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension PortalDependencies {
    /// The emails in a tenant's outbox, newest first.
    func outbox(_ slug: String) async throws -> [OutboxMail] {
        let tenant = try registryTenant(slug)
        return try await databases.withDatabase(for: tenant) { try await $0.accounts.outbox() }
    }

    func accounts<T: Sendable>(_ slug: String, _ body: (AccountStore) async throws -> T) async throws -> T {
        let tenant = try registryTenant(slug)
        return try await databases.withDatabase(for: tenant) { try await body($0.accounts) }
    }

    func registryTenant(_ slug: String) throws -> Tenant {
        guard let tenant = registry.snapshot.tenantsByID.values.first(where: { $0.slug.rawValue == slug }) else {
            throw TenancyError.unknownTenant(slug)
        }
        return tenant
    }
}

/// The first link in an email body.
func firstLink(in mail: OutboxMail?) -> String? {
    guard let mail, let match = mail.textBody.firstMatch(of: /https?:\/\/[^\s]+/) else { return nil }
    return String(match.0)
}

/// The path and query of an absolute link, to request it from the test server.
func pathAndQuery(_ link: String) -> String {
    guard let url = URL(string: link) else { return link }
    return url.path + (url.query.map { "?\($0)" } ?? "")
}
