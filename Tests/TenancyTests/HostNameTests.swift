import Testing

@testable import Tenancy

@Suite("Host names")
struct HostNameTests {
    @Test(
        "hosts are lower-cased, lose their port and one trailing dot",
        arguments: [
            ("acme.localhost", "acme.localhost"),
            ("ACME.LocalHost", "acme.localhost"),
            ("acme.localhost:8080", "acme.localhost"),
            ("acme.localhost.", "acme.localhost"),
            ("acme.localhost.:443", "acme.localhost"),
            ("127.0.0.1:8080", "127.0.0.1"),
            ("[::1]:8080", "[::1]"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ]
    )
    func normalises(raw: String, expected: String) throws {
        #expect(try HostName.normalize(raw) == expected)
    }

    @Test(
        "malformed hosts are refused with the reason",
        arguments: [
            ("", HostName.Problem.empty),
            (".", .empty),
            (":8080", .empty),
            ("acme localhost", .badLabel),
            ("ácme.localhost", .nonASCII),
            ("acme..localhost", .badLabel),
            ("acme.localhost..", .badLabel),
            ("-acme.localhost", .badLabel),
            ("acme-.localhost", .badLabel),
            ("acme_x.localhost", .badLabel),
            ("acme.localhost:", .badPort),
            ("acme.localhost:80a", .badPort),
            ("acme.localhost:65536", .badPort),
            ("acme.localhost:8080:1", .badLabel),
            (String(repeating: "a", count: 64) + ".localhost", .badLabel),
            (String(repeating: "abcdefghi.", count: 26), .tooLong),
            ("[zz::1]", .badLabel),
        ]
    )
    func refuses(raw: String, problem: HostName.Problem) {
        #expect(throws: problem) { try HostName.normalize(raw) }
    }

    @Test("253 characters is the longest host accepted")
    func longestHost() throws {
        let host = Array(repeating: String(repeating: "a", count: 62), count: 4).joined(separator: ".") + ".b"
        #expect(host.count == 253)
        #expect(try HostName.normalize(host) == host)
        #expect(throws: HostName.Problem.tooLong) { try HostName.normalize(host + "b") }
    }

    @Test("a tenant domain needs two labels and no port")
    func tenantDomains() throws {
        #expect(try HostName.validateDomain("Portal.Acme.Example") == "portal.acme.example")
        #expect(throws: TenancyError.self) { try HostName.validateDomain("localhost") }
        #expect(throws: TenancyError.self) { try HostName.validateDomain("portal.acme.example:8443") }
        #expect(throws: TenancyError.self) { try HostName.validateDomain("portal acme.example") }
    }
}
