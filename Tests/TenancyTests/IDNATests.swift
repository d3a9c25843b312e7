import Testing

@testable import Tenancy

/// Internationalised domain names through libidn2 (IDNA 2008, UTS #46 non-transitional).
@Suite("IDNA")
struct IDNATests {
    @Test(
        "names round-trip between Unicode and ASCII",
        arguments: [
            ("bücher.example", "xn--bcher-kva.example"),
            ("مثال.إختبار", "xn--mgbh0fb.xn--kgbechtv"),
            ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
            ("faß.de", "xn--fa-hia.de"),
            ("example.com", "example.com"),
        ])
    func roundTrip(unicode: String, ascii: String) throws {
        #expect(try IDNA.toASCII(unicode) == ascii)
        #expect(IDNA.toUnicode(ascii) == unicode)
        #expect(IDNA.isInternationalised(ascii) == (unicode != ascii))
    }

    @Test("case and width are mapped, a trailing dot is dropped, ASCII stays ASCII")
    func mapping() throws {
        #expect(try IDNA.toASCII("BÜCHER.Example.") == "xn--bcher-kva.example")
        #expect(try IDNA.toASCII("Example.COM") == "example.com")
    }

    @Test("what is not a domain name is refused with libidn2's reason; broken punycode is shown as it is")
    func refusals() {
        #expect(throws: IDNA.Invalid.self) { try IDNA.toASCII("") }
        #expect(throws: IDNA.Invalid.self) { try IDNA.toASCII("a\u{0000}b.example") }
        #expect(throws: IDNA.Invalid.self) { try IDNA.toASCII("xn--zz.example") }
        #expect(throws: IDNA.Invalid.self) { try IDNA.toASCII("☃️\u{200D}.example") }
        #expect(IDNA.toUnicode("xn--zz.example") == "xn--zz.example")
    }

    @Test("a custom domain typed in Unicode is kept in ASCII; a broken one says why")
    func customDomains() throws {
        #expect(try HostName.validateDomain("portal.bücher.example") == "portal.xn--bcher-kva.example")
        #expect(throws: TenancyError.self) { try HostName.validateDomain("portal.bü cher.example") }
    }
}
