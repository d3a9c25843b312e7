import Foundation
import Testing

@testable import Integrations

@Suite("DNS records: validation per type")
struct DNSRecordTests {
    static func check(_ input: DNSRecord.Input) -> DNSRecord.Problems {
        switch DNSRecord.validate(input) {
        case .success: [:]
        case .failure(let problems): problems.fields
        }
    }

    static func record(_ input: DNSRecord.Input) throws -> DNSRecord {
        try DNSRecord.validate(input).get()
    }

    @Test("A: dotted IPv4 only; host @, a label, or a leading wildcard")
    func a() throws {
        #expect(
            try Self.record(.init(kind: "a", host: "", value: "192.0.2.10"))
                == DNSRecord(kind: .a, host: "@", value: "192.0.2.10"))
        #expect(try Self.record(.init(kind: "A", host: "*.Shop", value: "192.0.2.10")).host == "*.shop")
        for bad in ["192.0.2", "192.0.2.256", "192.0.2.010", "2001:db8::1", "example.com", ""] {
            #expect(Self.check(.init(kind: "A", host: "www", value: bad))["value"] != nil, "\(bad)")
        }
        for host in ["www.example.com.", "-www", "ww w", "a.*", String(repeating: "a", count: 64)] {
            #expect(Self.check(.init(kind: "A", host: host, value: "192.0.2.1"))["host"] != nil, "\(host)")
        }
    }

    @Test("AAAA: any IPv6 form, stored compressed; IPv4 and zone ids refused")
    func aaaa() throws {
        #expect(
            try Self.record(.init(kind: "AAAA", host: "www", value: "2001:0db8:0000:0000:0000:0000:0000:0010")).value
                == "2001:db8::10")
        for bad in ["192.0.2.1", "2001:db8::g", "fe80::1%eth0", "::1::2", ""] {
            #expect(Self.check(.init(kind: "AAAA", host: "www", value: bad))["value"] != nil, "\(bad)")
        }
    }

    @Test("CNAME: a name target (trailing dot dropped), never an address, never at the apex")
    func cname() throws {
        #expect(
            try Self.record(.init(kind: "CNAME", host: "shop", value: "Shops.Example.NET.")).value
                == "shops.example.net")
        #expect(
            Self.check(.init(kind: "CNAME", host: "@", value: "shops.example.net"))["host"]?.contains(
                "cannot be at the domain itself") == true)
        for bad in ["192.0.2.1", "localhost", "exa mple.com", "example.123"] {
            #expect(Self.check(.init(kind: "CNAME", host: "shop", value: bad))["value"] != nil, "\(bad)")
        }
    }

    @Test("MX: priority 0–65535 and a mail server name")
    func mx() throws {
        let record = try Self.record(.init(kind: "MX", host: "@", value: "mail.example.com", priority: "10"))
        #expect(record.priority == 10 && record.value == "mail.example.com")
        #expect(
            Self.check(.init(kind: "MX", host: "@", value: "mail.example.com", priority: "70000"))["priority"] != nil)
        #expect(Self.check(.init(kind: "MX", host: "@", value: "mail.example.com", priority: "ten"))["priority"] != nil)
        #expect(
            Self.check(.init(kind: "MX", host: "@", value: "192.0.2.25", priority: "10"))["value"]?.contains(
                "not an address") == true)
    }

    @Test("TXT: any text up to 2,048 bytes, no control characters")
    func txt() throws {
        #expect(
            try Self.record(.init(kind: "TXT", host: "_dmarc", value: "v=DMARC1; p=none")).value == "v=DMARC1; p=none")
        #expect(Self.check(.init(kind: "TXT", host: "@", value: ""))["value"] != nil)
        #expect(
            Self.check(.init(kind: "TXT", host: "@", value: String(repeating: "x", count: 2_049)))["value"]?.contains(
                "2,048") == true)
        #expect(Self.check(.init(kind: "TXT", host: "@", value: "a\u{7}b"))["value"] != nil)
    }

    @Test("SRV: _service._proto name, priority, weight, port and a target (or .)")
    func srv() throws {
        let record = try Self.record(
            .init(kind: "SRV", host: "_sip._tcp", value: "sip.example.com", priority: "10", weight: "5", port: "5060"))
        #expect(record.port == 5060 && record.weight == 5 && record.priority == 10)
        #expect(
            try Self.record(
                .init(kind: "SRV", host: "_xmpp._tcp.chat", value: ".", priority: "0", weight: "0", port: "1")
            ).value == ".")
        let problems = Self.check(
            .init(kind: "SRV", host: "sip", value: "192.0.2.1", priority: "-1", weight: "x", port: "0"))
        #expect(Set(problems.keys) == ["host", "value", "priority", "weight", "port"])
        #expect(
            Self.check(
                .init(kind: "SRV", host: "_sip._smtp", value: "sip.example.com", priority: "1", weight: "1", port: "1"))[
                    "host"] != nil)
    }

    @Test("CAA: flags 0 or 128, tag issue/issuewild/iodef, and a value that fits the tag")
    func caa() throws {
        let record = try Self.record(.init(kind: "CAA", host: "@", value: "letsencrypt.org", tag: "issue"))
        #expect(record.flags == 0 && record.tag == "issue" && record.value == "letsencrypt.org")
        #expect(try Self.record(.init(kind: "CAA", host: "@", value: ";", flags: "128", tag: "issuewild")).value == ";")
        #expect(
            try Self.record(.init(kind: "CAA", host: "@", value: "mailto:security@example.com", tag: "iodef")).tag
                == "iodef")
        #expect(
            Self.check(.init(kind: "CAA", host: "@", value: "letsencrypt.org", flags: "1", tag: "issue"))["flags"]
                != nil)
        #expect(Self.check(.init(kind: "CAA", host: "@", value: "letsencrypt.org", tag: "policy"))["tag"] != nil)
        #expect(
            Self.check(.init(kind: "CAA", host: "@", value: "http://example.com/report", tag: "iodef"))["value"] != nil)
        #expect(Self.check(.init(kind: "CAA", host: "@", value: "not a domain", tag: "issue"))["value"] != nil)
    }

    @Test("an unknown type is refused; records go to 20i in its field names")
    func wire() throws {
        #expect(Self.check(.init(kind: "NS", host: "@", value: "ns1.example.com"))["kind"] != nil)
        let mx = try Self.record(.init(kind: "MX", host: "@", value: "mail.example.com", priority: "10"))
        #expect(
            mx.twentyIEntry
                == .object(["host": .string("@"), "target": .string("mail.example.com"), "pri": .number(10)]))
        let aaaa = try Self.record(.init(kind: "AAAA", host: "www", value: "2001:db8::1"))
        #expect(aaaa.twentyIEntry == .object(["host": .string("www"), "ipv6": .string("2001:db8::1")]))
    }
}
