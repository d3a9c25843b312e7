import Foundation
import Testing

@testable import Integrations

@Suite("PHP wire formats")
struct PHPWireFormatTests {
    @Test("bracket arrays are encoded as http_build_query does (CONTRACTS.md AddOrder and AddProduct examples)")
    func encodeBrackets() {
        let body = PHPQuery.encode([
            ("action", .scalar("AddOrder")),
            ("pid", .list([.scalar("1"), .scalar("3")])),
            ("billingcycle", .list([.scalar("monthly")])),
            ("pricing", .map([(key: "1", value: .map([(key: "monthly", value: .scalar("1.00"))]))])),
            ("notes", .scalar("a b&c=d/é")),
        ])
        #expect(
            body == "action=AddOrder&pid%5B0%5D=1&pid%5B1%5D=3&billingcycle%5B0%5D=monthly"
                + "&pricing%5B1%5D%5Bmonthly%5D=1.00&notes=a+b%26c%3Dd%2F%C3%A9")
    }

    @Test("bodies read back as PHP fills $_POST, including [] appends and later values winning")
    func decodeBrackets() {
        let fields = PHPQuery.decode(
            "pid[0]=1&pid[1]=3&domain[]=a.com&domain[]=b.com&pricing[1][monthly]=1.00&x=1&x=2&email=a%40b.com")
        #expect(fields["pid"] == .list([.scalar("1"), .scalar("3")]))
        #expect(fields["domain"] == .list([.scalar("a.com"), .scalar("b.com")]))
        #expect(fields["pricing"] == .map([(key: "1", value: .map([(key: "monthly", value: .scalar("1.00"))]))]))
        #expect(fields["x"] == .scalar("2"))
        #expect(fields["email"] == .scalar("a@b.com"))
    }

    @Test("encode then decode returns the same fields")
    func roundTrip() {
        let original: [(String, PHPFormValue)] = [
            ("customfields", .scalar("YToxOntpOjE7czo2OiJHb29nbGUiO30=")),
            (
                "configoptions",
                .map([(key: "size", value: .scalar("small")), (key: "region", value: .scalar("eu west"))])
            ),
        ]
        let decoded = PHPQuery.decode(PHPQuery.encode(original))
        for (name, value) in original { #expect(decoded[name] == value) }
    }

    @Test("serialize matches PHP, including byte lengths of UTF-8 strings (CONTRACTS.md example)")
    func serialize() {
        #expect(
            PHPSerialization.serialize(.array([(key: .int(1), value: .string("Google"))]))
                == #"a:1:{i:1;s:6:"Google";}"#)
        #expect(PHPSerialization.serialize(.string("é")) == #"s:2:"é";"#)
        #expect(
            PHPSerialization.serialize(.array([(key: .string("a"), value: .bool(true)), (key: .int(2), value: .null)]))
                == #"a:2:{s:1:"a";b:1;i:2;N;}"#)
        #expect(PHPSerialization.base64([(key: .int(1), value: "Google")]) == "YToxOntpOjE7czo2OiJHb29nbGUiO30=")
    }

    @Test("unserialize reads what serialize writes, and nested arrays")
    func unserialize() throws {
        let value = PHPValue.array([
            (key: .int(1), value: .string("Google")),
            (
                key: .string("nested"),
                value: .array([(key: .int(0), value: .int(-5)), (key: .int(1), value: .double(1.5))])
            ),
            (key: .string("quote\";"), value: .string("a \"b\"; c")),
        ])
        #expect(try PHPSerialization.unserialize(PHPSerialization.serialize(value)) == value)
    }

    @Test(
        "malformed or hostile serialized input is refused",
        arguments: [
            "", "a:1:{i:1;s:6:\"Google\";", "s:99:\"short\";", "O:8:\"stdClass\":0:{}", "i:12x;", "b:2;",
            "a:-1:{}", "a:1:{d:1.0;i:1;}", "s:3:\"abc\";trailing", String(repeating: "a:1:{i:0;", count: 40) + "N;",
        ])
    func hostile(input: String) {
        #expect(throws: PHPSerialization.DecodingError.self) { try PHPSerialization.unserialize(input) }
    }
}
