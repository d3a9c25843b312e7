import CCurl
import Foundation
import Integrations
import Tenancy

/// An SMTP relay: `smtp://host:port` (STARTTLS, required unless the relay is on loopback) or `smtps://host:port`
/// (TLS from the start), with optional credentials (AUTH PLAIN or LOGIN, whichever the relay offers).
package struct SMTPRelay: Sendable, Equatable {
    package let url: String
    package let host: String
    package let isImplicitTLS: Bool
    package var username: String?
    package var password: String?
    /// Where the relay's host may resolve to: a brand's relay reaches public addresses only, unless the brand is a
    /// sandbox on a server started with `--sandbox-upstreams`; the operator's platform relay may be anywhere.
    package var egress: EgressPolicy = .publicOnly

    package enum Problem: Error, Equatable, CustomStringConvertible {
        case invalidURL(String)

        package var description: String {
            switch self {
            case .invalidURL(let url):
                "\"\(url)\" is not an SMTP relay address; use smtp://host:587 (STARTTLS) or smtps://host:465"
            }
        }
    }

    package init(url raw: String, username: String? = nil, password: String? = nil) throws(Problem) {
        guard let components = URLComponents(string: raw.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps",
            let host = components.host?.lowercased(), !host.isEmpty, components.user == nil, components.password == nil,
            components.path.isEmpty || components.path == "/", components.query == nil
        else { throw .invalidURL(raw) }
        let port = components.port ?? (scheme == "smtps" ? 465 : 587)
        guard (1...65535).contains(port) else { throw .invalidURL(raw) }
        self.host = host
        isImplicitTLS = scheme == "smtps"
        url = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        self.username = username.flatMap { $0.isEmpty ? nil : $0 }
        self.password = password
    }

    /// The submission ports relays use.
    package static let standardPorts: Set<Int> = [25, 465, 587, 2525]

    package var port: Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    /// Plain SMTP only when the checked address is on this machine; STARTTLS everywhere else.
    func tls(to address: NetworkAddress) -> ccurl_tls_mode {
        isImplicitTLS ? CCURL_TLS_IMPLICIT : (address.scope == .loopback ? CCURL_TLS_NONE : CCURL_TLS_STARTTLS)
    }
}

/// Why an SMTP transaction did not deliver the message.
package struct SMTPFailure: Error, Equatable, CustomStringConvertible {
    /// The relay's reply code, or 0 when no reply arrived (connection failure, timeout).
    package let code: Int
    package let reason: String
    /// What only the log may say: the addresses a refused host resolved to.
    package var detail: String?

    package init(code: Int, reason: String, detail: String? = nil) {
        self.code = code
        self.reason = reason
        self.detail = detail
    }

    /// A 5xx reply: trying again will not help.
    package var isPermanent: Bool { (500..<600).contains(code) }

    package var description: String { code == 0 ? reason : "\(code) \(reason)" }
}

/// Sends messages with libcurl on a background thread, never on the event loop. The relay's host is resolved and
/// checked first, and libcurl connects to exactly that address (`CURLOPT_CONNECT_TO`) while TLS verifies the name.
package struct SMTPSender: Sendable {
    package var connectTimeout: Duration = .seconds(10)
    package var totalTimeout: Duration = .seconds(60)
    package var egress: Egress

    package init(egress: Egress = .system) {
        self.egress = egress
    }

    package func send(_ message: MailMessage, via relay: SMTPRelay) async throws {
        let address: NetworkAddress
        do {
            address = try await egress.address(for: relay.host, policy: relay.egress)
        } catch {
            throw SMTPFailure(code: 0, reason: "could not connect to \(relay.host)", detail: error.detail)
        }
        let connectTo = "::\(address.hostText):\(relay.port)"
        let data = Array(message.rendered().utf8)
        let from = message.from.address
        let recipient = message.to.address
        let connectMilliseconds = Self.milliseconds(connectTimeout)
        let totalMilliseconds = Self.milliseconds(totalTimeout)
        let outcome: ccurl_result = try await BlockingIO.run {
            recipient.withCString { rcpt in
                var recipients: [UnsafePointer<CChar>?] = [rcpt]
                return recipients.withUnsafeMutableBufferPointer { list in
                    data.withUnsafeBufferPointer { body in
                        body.withMemoryRebound(to: CChar.self) { chars in
                            ccurl_smtp_send(
                                relay.url, connectTo, relay.tls(to: address), relay.username, relay.password, nil, from,
                                list.baseAddress, 1,
                                chars.baseAddress, chars.count, connectMilliseconds, totalMilliseconds
                            )
                        }
                    }
                }
            }
        }
        guard outcome.curl_code != 0 else { return }
        let reason = withUnsafeBytes(of: outcome.error) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw SMTPFailure(code: Int(outcome.smtp_code), reason: reason)
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
