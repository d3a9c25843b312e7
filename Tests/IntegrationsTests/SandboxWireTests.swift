import Foundation
import Sandbox
import Testing

/// The simulators' own readers of the vendors' wire formats, held to PHP's and JSON's documented behaviour.
@Suite("Simulator wire readers")
struct SandboxWireTests {
    @Test("form bodies fill fields as PHP fills $_POST: appends, nested keys, the last scalar wins")
    func phpForm() {
        let fields = PHPForm.fields(
            "a[]=1&a[]=2&b[x][y]=3&b[x][z]=4&c=first&c=last&d[5]=five&e=%26+%3D%C3%A9&[]=dropped")
        #expect(fields["a"] == .list([.scalar("1"), .scalar("2")]))
        #expect(
            fields["b"]
                == .map([(key: "x", value: .map([(key: "y", value: .scalar("3")), (key: "z", value: .scalar("4"))]))]))
        #expect(fields["c"] == .scalar("last"))
        #expect(fields["d"] == .map([(key: "5", value: .scalar("five"))]))
        #expect(fields["e"] == .scalar("& =é"))
        #expect(fields.count == 5, "a name with no base is dropped, as PHP drops it")
    }

    @Test("urldecode keeps a malformed escape as it is, as PHP's does")
    func urldecode() {
        #expect(PHPForm.urldecode("100%+sure%2") == "100% sure%2")
        #expect(PHPForm.flat("x=1&y&x=2") == ["x": "2", "y": ""])
    }

    @Test("serialize() output reads back as PHP's manual shows it; anything else is refused")
    func phpSerialized() throws {
        // The manual's example shape: integer and string keys, string, integer, boolean and null values.
        let entries = try PHPSerialized.flatArray(#"a:4:{i:1;s:3:"abc";s:1:"x";i:5;i:2;b:1;i:3;N;}"#)
        #expect(entries.map(\.key) == ["1", "x", "2", "3"])
        #expect(entries.map(\.value) == ["abc", "5", "1", ""])
        #expect(try PHPSerialized.flatArray(#"a:1:{i:0;s:2:"é";}"#).first?.value == "é", "lengths count bytes")
        for broken in [#"a:2:{i:1;s:3:"abc";}"#, #"s:3:"abc";"#, #"a:1:{i:1;s:9:"abc";}"#, "", "a:1:{i:1;x:1;}"] {
            #expect(throws: PHPSerialized.Malformed.self) { try PHPSerialized.flatArray(broken) }
        }
    }

    @Test("JSON true and 1 stay apart; loose accessors read values as PHP would")
    func json() throws {
        let document = try JSONValue(
            data: Data(#"{"flag":true,"one":1,"price":"12.50","list":[1,"2"],"IsError":false}"#.utf8))
        #expect(document["flag"] == .bool(true))
        #expect(document["one"] == .number(1))
        #expect(document["one"]?.bool == true)
        #expect(document["price"]?.minorUnits == 1_250)
        #expect(document["list"]?.elements.compactMap(\.int) == [1, 2])
        #expect(document.field("iserror") == .bool(false))
        #expect(throws: JSONValue.NotJSON.self) { try JSONValue(data: Data("{nope".utf8)) }
        let written = String(decoding: try JSONEncoder().encode(JSONValue.number(3)), as: UTF8.self)
        #expect(written == "3", "whole numbers are written as PHP's json_encode writes integers")
    }
}
