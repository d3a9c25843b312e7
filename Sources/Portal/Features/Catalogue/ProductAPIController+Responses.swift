import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Logging
import NIOCore
import Tenancy

extension ProductAPIController {
    /// The last four characters of the key in `X-API-Key` when it is a live key of this tenant; nil otherwise (the
    /// answer never says why).
    func authenticate(_ request: Request, _ context: TenantRequestContext) async throws -> String? {
        let presented = request.headers[HTTPField.Name("X-API-Key")!] ?? ""
        guard !presented.isEmpty, presented.count <= 200,
            let key = try await databases.withDatabase(
                for: context.tenant,
                { try await $0.apiKeys.authenticate(hash: SecureToken.hash(presented), now: now()) })
        else {
            // A few lines per source a minute: a key-guessing run cannot flood the log.
            let ip = context.origin.clientAddress ?? ""
            let verdict = refusals.verdict(for: "\(context.tenant.id.rawValue)|\(ip)", now: Date())
            if verdict != .hold {
                logger.warning(
                    verdict == .writeLast
                        ? "product API refused a key; further refusals from this address are not logged this minute"
                        : "product API refused a key",
                    metadata: [
                        "tenant": "\(context.tenant.slug)",
                        "api_key": "\(presented.isEmpty ? "none" : "***\(presented.suffix(4))")",
                        "ip": "\(ip)",
                    ]
                )
            }
            return nil
        }
        return key.lastFour
    }

    static func unauthorized() -> Response {
        var response = error(
            .unauthorized, "invalid_api_key", "Send a valid API key of this brand in the X-API-Key header.")
        response.headers[.wwwAuthenticate] = "ApiKey"
        return response
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value)))
        )
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
            }
            let error: Detail
        }
        return (try? json(Body(error: .init(code: code, message: message)), status: status)) ?? Response(status: status)
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return "\(path): wrong type (prices are strings such as \"4.99\")"
        case DecodingError.dataCorrupted: return "not valid JSON"
        default: return "could not be read"
        }
    }
}
