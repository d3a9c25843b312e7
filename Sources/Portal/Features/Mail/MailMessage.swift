import Foundation

/// A mailbox: a display name and an address.
package struct MailAddress: Sendable, Equatable {
    package var name: String
    package var address: String

    package init(name: String = "", address: String) {
        self.name = name
        self.address = address
    }
}

/// Why a message could not be built. Checked before anything is queued.
package enum MailError: Error, Equatable, CustomStringConvertible {
    /// A header value held CR or LF: it could smuggle in extra headers.
    case headerInjection(field: String)
    case invalidAddress(String)

    package var description: String {
        switch self {
        case .headerInjection(let field): "the \(field) contains a line break, which is not allowed in an email header"
        case .invalidAddress(let address): "\"\(address)\" is not an email address"
        }
    }
}

/// One email as it goes over SMTP: RFC 5322 headers (RFC 2047 for non-ASCII), multipart/alternative with a text and
/// an HTML part, CRLF line endings.
package struct MailMessage: Sendable, Equatable {
    package var from: MailAddress
    package var to: MailAddress
    package var replyTo: MailAddress?
    package var subject: String
    package var text: String
    package var html: String?
    /// `<unique@tenant-domain>`.
    package var messageID: String
    package var date: Date

    package init(
        from: MailAddress, to: MailAddress, replyTo: MailAddress?, subject: String, text: String, html: String?,
        messageID: String, date: Date
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
    }

    /// A Message-ID on the tenant's own domain.
    package static func newMessageID(domain: String) -> String {
        "<\(UUID().uuidString.lowercased())@\(domain)>"
    }

    /// A display name made safe for a header: line breaks and other control characters become spaces, so a stored
    /// name can never stop a security email (it cannot inject a header either).
    package static func displaySafe(_ name: String) -> String {
        String(name.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
            .trimmingCharacters(in: .whitespaces)
    }

    /// Refuses line breaks in any header value and malformed addresses.
    package func validate() throws(MailError) {
        let headers: [(String, String)] = [
            ("sender name", from.name), ("sender address", from.address), ("recipient name", to.name),
            ("recipient address", to.address), ("reply-to name", replyTo?.name ?? ""),
            ("reply-to address", replyTo?.address ?? ""),
            ("subject", subject), ("Message-ID", messageID),
        ]
        for (field, value) in headers where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw .headerInjection(field: field)
        }
        for address in [from.address, to.address] + (replyTo.map { [$0.address] } ?? []) where !Self.isAddress(address)
        {
            throw .invalidAddress(address)
        }
    }

    package static func isAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && address.utf8.count <= 254
            && !address.contains(where: { $0.isWhitespace || "<>()[]\\,;:\"".contains($0) })
    }

    /// The message as transmitted (after `validate()`), with a random MIME boundary.
    package func rendered(boundary: String = "=_portal_" + UUID().uuidString.replacingOccurrences(of: "-", with: ""))
        -> String
    {
        var lines: [String] = [
            "From: \(Self.mailbox(from))",
            "To: \(Self.mailbox(to))",
        ]
        if let replyTo { lines.append("Reply-To: \(Self.mailbox(replyTo))") }
        lines += [
            "Subject: \(Self.encodedWords(subject, prefix: "Subject: ".count))",
            "Date: \(Self.rfc5322(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
        ]
        if let html {
            lines +=
                [
                    "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
                    "",
                    "This is a message in text and HTML.",
                    "--\(boundary)",
                ] + Self.part(text, type: "text/plain") + ["--\(boundary)"] + Self.part(html, type: "text/html") + [
                    "--\(boundary)--", "",
                ]
        } else {
            lines += Self.part(text, type: "text/plain")
        }
        return lines.joined(separator: "\r\n")
    }

    /// A body part in base64 (76-character lines), which no line length or encoding can upset.
    private static func part(_ body: String, type: String) -> [String] {
        let normalised = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let encoded = Data(normalised.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "", encoded, ""]
    }

    /// `"Name" <address>`, with the name RFC 2047-encoded when it is not plain ASCII.
    package static func mailbox(_ address: MailAddress) -> String {
        guard !address.name.isEmpty else { return "<\(address.address)>" }
        return "\(displayName(address.name)) <\(address.address)>"
    }

    private static func displayName(_ name: String) -> String {
        if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return encodedWords(name, prefix: 0)
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, split on character boundaries, when the text is not
    /// plain printable ASCII; otherwise the text itself.
    static func encodedWords(_ text: String, prefix: Int) -> String {
        guard !text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) else {
            return text
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        // 45 bytes of UTF-8 become 60 base64 characters; with "=?UTF-8?B?" and "?=" a word stays under 75.
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Thu, 26 Nov 2026 01:20:00 +0000`.
    package static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
