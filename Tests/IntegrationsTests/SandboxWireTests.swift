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
        #expect(PHPForm.urldecode("a%+A%-0") == "a% A%-0", "an escape needs two hex digits, no sign")
        #expect(PHPForm.flat("x=1&y&x=2") == ["x": "2", "y": ""])
    }

    @Test("serialize() output reads back as PHP's manual shows it; anything else is refused")
    func phpSerialized() throws {
        // The manual's example shape: integer and string keys, string, integer, boolean and null values.
        let entries = try PHPSerialized.flatArray(#"a:4:{i:1;s:3:"abc";s:1:"x";i:5;i:2;b:1;i:3;N;}"#)
        #expect(entries.map(\.key) == ["1", "x", "2", "3"])
        #expect(entries.map(\.value) == ["abc", "5", "1", ""])
        #expect(try PHPSerialized.flatArray(#"a:1:{i:0;s:2:"é";}"#).first?.value == "é", "lengths count bytes")
        let deep = String(repeating: "a:1:{i:0;", count: 40) + "i:1;" + String(repeating: "}", count: 40)
        for broken in [
            #"a:2:{i:1;s:3:"abc";}"#, #"s:3:"abc";"#, #"a:1:{i:1;s:9:"abc";}"#, "", "a:1:{i:1;x:1;}",
            #"a:1:{N;s:1:"x";}"#, #"a:1:{b:1;s:1:"x";}"#, "a:1:{i:0;i:1.5;}", deep,
        ] {
            #expect(throws: PHPSerialized.Malformed.self) { try PHPSerialized.flatArray(broken) }
        }
    }

    @Test("a cloud size table with a repeated or unreadable size is refused, not half read")
    func cloudSizes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sizes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = #"{"providers":[{"id":"20i","sizes":[{"size":"small","cpu":1,"ramGB":2,"storageGB":50}]}]}"#
        let repeated =
            #"{"providers":[{"id":"20i","sizes":[{"size":"s","cpu":1,"ramGB":2,"storageGB":50},{"size":"s","cpu":2,"ramGB":4,"storageGB":80}]}]}"#
        let unreadable = #"{"providers":[{"id":"20i","sizes":[{"size":"s","cpu":"many"}]}]}"#
        for (name, text) in [("good", good), ("repeated", repeated), ("unreadable", unreadable)] {
            try text.write(to: folder.appendingPathComponent(name + ".json"), atomically: true, encoding: .utf8)
        }
        let sizes = try CloudSizes.load(path: folder.appendingPathComponent("good.json").path)
        #expect(sizes.resources(provider: "20i", size: "small") == .init(cpu: 1, ramGB: 2, storageGB: 50))
        for name in ["repeated", "unreadable"] {
            #expect(throws: CloudSizes.Invalid.self) {
                try CloudSizes.load(path: folder.appendingPathComponent(name + ".json").path)
            }
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
