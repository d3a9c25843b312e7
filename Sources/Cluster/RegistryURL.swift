import Foundation

/// Where the shared registry lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
///
/// The password never appears in `description`, so the URL can be logged.
package struct RegistryURL: Sendable, Equatable, CustomStringConvertible {
    package enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    package var tls: TLSMode

    package init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String,
        tls: TLSMode = .prefer
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    package struct Invalid: Error, CustomStringConvertible {
        package let description: String
    }

    /// Parses and checks a registry URL; the error says which part is wrong.
    package init(parsing raw: String) throws(Invalid) {
        guard let components = URLComponents(string: raw.trimmingCharacters(in: .whitespaces)) else {
            throw Invalid(description: "the registry URL is not a URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw Invalid(
                description: "the registry URL must start with postgres:// (PostgreSQL is the only shared registry)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Invalid(description: "the registry URL names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw Invalid(description: "the registry URL names no user (postgres://USER@HOST/DATABASE)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw Invalid(description: "the registry URL names no database (postgres://USER@HOST/DATABASE)")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw Invalid(description: "the registry URL's port is out of range") }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw Invalid(description: "sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw Invalid(description: "the registry URL has an unknown parameter \"\(item.name)\" (only sslmode)")
            }
        }
        self.init(
            host: host, port: port, user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database, tls: tls)
    }

    /// The URL with its password replaced by `***`.
    package var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// Names the registry a node's copy follows (no password): a different registry means a fresh copy.
    package var source: String { "postgres://\(host):\(port)/\(database)" }
}
