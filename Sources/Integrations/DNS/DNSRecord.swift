import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One DNS record as a customer edits it in a zone: checked per type before anything is sent upstream.
package struct DNSRecord: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case a = "A", aaaa = "AAAA", cname = "CNAME", mx = "MX", txt = "TXT", srv = "SRV", caa = "CAA"
    }

    package var kind: Kind
    /// Relative to the zone: `@` for the apex, `www`, `_dmarc`, `*.shop`.
    package var host: String
    /// The address, target, text or CAA value, normalised.
    package var value: String
    /// MX and SRV priority.
    package var priority: Int?
    /// SRV weight and port.
    package var weight: Int?
    package var port: Int?
    /// CAA flags (0 or 128) and tag (`issue`, `issuewild`, `iodef`).
    package var flags: Int?
    package var tag: String?

    /// What a form sends: every field as typed.
    package struct Input: Sendable, Equatable {
        package var kind: String
        package var host: String
        package var value: String
        package var priority: String = ""
        package var weight: String = ""
        package var port: String = ""
        package var flags: String = ""
        package var tag: String = ""

        package init(
            kind: String, host: String, value: String, priority: String = "", weight: String = "", port: String = "",
            flags: String = "", tag: String = ""
        ) {
            self.kind = kind
            self.host = host
            self.value = value
            self.priority = priority
            self.weight = weight
            self.port = port
            self.flags = flags
            self.tag = tag
        }
    }

    /// Field name (`kind`, `host`, `value`, `priority`, `weight`, `port`, `flags`, `tag`) → what is wrong with it.
    package typealias Problems = [String: String]

    /// The record, or the problem with each field.
    package static func validate(_ input: Input) -> Result<DNSRecord, ProblemList> {
        var problems: Problems = [:]
        guard let kind = Kind(rawValue: input.kind.trimmingCharacters(in: .whitespaces).uppercased()) else {
            return .failure(ProblemList(["kind": "Choose a record type: A, AAAA, CNAME, MX, TXT, SRV or CAA."]))
        }
        let host = normaliseHost(input.host)
        if let problem = hostProblem(host, kind: kind) { problems["host"] = problem }
        var record = DNSRecord(kind: kind, host: host, value: "")
        let value = input.value.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .a:
            if isIPv4(value) {
                record.value = value
            } else {
                problems["value"] = "Enter an IPv4 address such as 192.0.2.10."
            }
        case .aaaa:
            if let address = normalisedIPv6(value) {
                record.value = address
            } else {
                problems["value"] = "Enter an IPv6 address such as 2001:db8::10."
            }
        case .cname:
            if host == "@" {
                problems["host"] = "A CNAME cannot be at the domain itself (@); use an A or AAAA record there."
            }
            if let target = targetName(value) {
                record.value = target
            } else {
                problems["value"] = "Enter the name it points to, such as shop.example.net."
            }
        case .mx:
            record.priority = number(
                input.priority, field: "priority", range: 0...65_535, into: &problems, example: "10")
            if let target = targetName(value) {
                record.value = target
            } else {
                problems["value"] = "Enter the mail server's name, such as mail.example.com (not an address)."
            }
        case .txt:
            let text = input.value.trimmingCharacters(in: .newlines)
            if text.isEmpty {
                problems["value"] = "Enter the text, such as v=spf1 include:_spf.example.com ~all."
            } else if text.utf8.count > 2_048 {
                problems["value"] = "TXT text may be at most 2,048 bytes."
            } else if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems["value"] = "TXT text cannot contain line breaks or control characters."
            } else {
                record.value = text
            }
        case .srv:
            if problems["host"] == nil, !isServiceName(host) {
                problems["host"] = "An SRV name is _service._protocol, such as _sip._tcp or _xmpp-client._tcp.chat."
            }
            record.priority = number(
                input.priority, field: "priority", range: 0...65_535, into: &problems, example: "10")
            record.weight = number(input.weight, field: "weight", range: 0...65_535, into: &problems, example: "5")
            record.port = number(input.port, field: "port", range: 1...65_535, into: &problems, example: "5060")
            if value == "." {
                record.value = "."
            } else if let target = targetName(value) {
                record.value = target
            } else {
                problems["value"] = "Enter the target server's name, such as sip.example.com, or . for no service."
            }
        case .caa:
            record.flags = number(
                input.flags.isEmpty ? "0" : input.flags, field: "flags", range: 0...255, into: &problems, example: "0")
            if let flags = record.flags, flags != 0, flags != 128 {
                problems["flags"] = "CAA flags are 0, or 128 for critical."
            }
            let tag = input.tag.trimmingCharacters(in: .whitespaces).lowercased()
            switch tag {
            case "issue", "issuewild":
                record.tag = tag
                if value == ";" {
                    record.value = ";"
                } else if let authority = caaAuthority(value) {
                    record.value = authority
                } else {
                    problems["value"] =
                        "Enter the certificate authority's domain, such as letsencrypt.org, or ; to allow none."
                }
            case "iodef":
                record.tag = tag
                let lower = value.lowercased()
                if (lower.hasPrefix("mailto:") && value.dropFirst(7).contains("@"))
                    || (lower.hasPrefix("https://") && URL(string: value)?.host != nil)
                {
                    record.value = value
                } else {
                    problems["value"] =
                        "Enter where to report, such as mailto:security@example.com or an https:// address."
                }
            default:
                problems["tag"] = "Choose a CAA tag: issue, issuewild or iodef."
            }
        }
        return problems.isEmpty ? .success(record) : .failure(ProblemList(problems))
    }

    /// The problems of a refused record, as an Error for `Result`.
    package struct ProblemList: Error, Sendable, Equatable {
        package let fields: Problems
        init(_ fields: Problems) { self.fields = fields }
    }

    // MARK: Rules

    static func normaliseHost(_ raw: String) -> String {
        let host = raw.trimmingCharacters(in: .whitespaces).lowercased()
        return host.isEmpty ? "@" : host
    }

    static func hostProblem(_ host: String, kind: Kind) -> String? {
        if host == "@" { return nil }
        if host.hasSuffix(".") { return "Give the name relative to the domain: www, not www.example.com." }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard host.count <= 200, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else {
            return "Use labels of 1 to 63 characters separated by dots, such as www or mail.eu."
        }
        for (index, label) in labels.enumerated() {
            if label == "*" {
                guard index == 0, kind != .srv, kind != .caa else {
                    return "A * may only be the first label, as in *.shop."
                }
                continue
            }
            guard label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
                !label.hasPrefix("-"), !label.hasSuffix("-")
            else {
                return
                    "A name holds letters, digits, hyphens and underscores, and no label starts or ends with a hyphen."
            }
        }
        return nil
    }

    static func isServiceName(_ host: String) -> Bool {
        let labels = host.split(separator: ".")
        guard labels.count >= 2, labels[0].hasPrefix("_"), labels[0].count > 1 else { return false }
        return ["_tcp", "_udp", "_tls", "_sctp"].contains(String(labels[1]))
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                    let value = Int(part), value <= 255
                else { return false }
                return part.count == 1 || part.first != "0"
            }
    }

    static func normalisedIPv6(_ text: String) -> String? {
        guard text.contains(":"), !text.contains("%") else { return nil }
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(cString: buffer)
    }

    /// A host name a record points at: lower case, without the trailing dot, never an address.
    static func targetName(_ raw: String) -> String? {
        var name = raw.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, name.count <= 253, !isIPv4(name), normalisedIPv6(name) == nil,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            }),
            labels.last?.allSatisfy({ $0.isLetter }) == true
        else { return nil }
        return name
    }

    static func caaAuthority(_ raw: String) -> String? {
        // `letsencrypt.org` or `letsencrypt.org; validationmethods=dns-01`: the domain part must be a name.
        let domain = raw.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard targetName(domain) != nil else { return nil }
        return raw.lowercased()
    }

    static func number(
        _ raw: String, field: String, range: ClosedRange<Int>, into problems: inout Problems, example: String
    ) -> Int? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard let value = Int(text), range.contains(value) else {
            problems[field] =
                "Enter a whole number from \(range.lowerBound) to \(range.upperBound), such as \(example)."
            return nil
        }
        return value
    }
}

extension DNSRecord {
    /// The record as 20i's DNS `new` entries take it (CONTRACTS.md §3.2): A `{host, ip}`, AAAA `{host, ipv6}`, CNAME
    /// `{host, target}`, MX `{host, target, pri}`, TXT `{host, txt}`, SRV `{host, pri, weight, port, target}`. The
    /// contract does not list CAA; it is sent as `{host, flags, tag, value}`, the record's own fields.
    package var twentyIEntry: LenientJSON {
        var fields: [String: LenientJSON] = ["host": .string(host)]
        switch kind {
        case .a: fields["ip"] = .string(value)
        case .aaaa: fields["ipv6"] = .string(value)
        case .cname: fields["target"] = .string(value)
        case .mx:
            fields["target"] = .string(value)
            fields["pri"] = .number(Double(priority ?? 0))
        case .txt: fields["txt"] = .string(value)
        case .srv:
            fields["target"] = .string(value)
            fields["pri"] = .number(Double(priority ?? 0))
            fields["weight"] = .number(Double(weight ?? 0))
            fields["port"] = .number(Double(port ?? 0))
        case .caa:
            fields["flags"] = .number(Double(flags ?? 0))
            fields["tag"] = .string(tag ?? "issue")
            fields["value"] = .string(value)
        }
        return .object(fields)
    }
}
