import Foundation
import Testing

@testable import Integrations

@Suite("Loosely typed JSON")
struct LenientJSONTests {
    @Test("numbers and booleans are read whether sent natively or as strings")
    func lenientScalars() throws {
        let json = try LenientJSON(
            data: Data(
                #"""
                {"clientid": "1", "orderid": 42, "twoFactorEnabled": "false", "active": true, "total": "12.50",
                 "amount": 7.5, "name": "Ada", "nothing": null}
                """#.utf8))
        #expect(json["clientid"]?.int == 1)
        #expect(json["orderid"]?.int == 42)
        #expect(json["orderid"]?.string == "42")
        #expect(json["twoFactorEnabled"]?.bool == false)
        #expect(json["active"]?.bool == true)
        #expect(json["total"]?.minorUnits(in: .gbp) == 1250)
        #expect(json["amount"]?.minorUnits(in: .gbp) == 750)
        #expect(json["name"]?.int == nil)
        #expect(json["nothing"] == .null)
        #expect(json["missing"] == nil)
    }

    @Test("list wrappers may be an array, a single object, or an empty string")
    func listShapes() throws {
        let json = try LenientJSON(
            data: Data(
                #"""
                {"many": {"client": [{"id": 1}, {"id": "2"}]}, "one": {"client": {"id": 3}}, "none": {"client": ""},
                 "transactions": ""}
                """#.utf8))
        #expect(json["many"]?["client"]?.elements.compactMap { $0["id"]?.int } == [1, 2])
        #expect(json["one"]?["client"]?.elements.compactMap { $0["id"]?.int } == [3])
        #expect(json["none"]?["client"]?.elements.isEmpty == true)
        #expect(json["transactions"]?.elements.isEmpty == true)
    }

    @Test(
        "money strings become minor units exactly, and nonsense is refused",
        arguments: [
            ("0.00", Int64(0)), ("1", 100), ("1.5", 150), ("19.99", 1999), ("-2.05", -205), ("1234567.89", 123_456_789),
        ])
    func money(text: String, minor: Int64) {
        #expect(LenientJSON.string(text).minorUnits(in: .gbp) == minor)
    }

    @Test("malformed money and malformed JSON are refused")
    func refused() {
        for text in ["", "abc", "1,50", ".5", "--1", "1."] {
            #expect(LenientJSON.string(text).minorUnits(in: .gbp) == nil, "\(text)")
        }
        // Digits beyond the currency's minor unit round, as WHMCS writes yen with two decimals.
        #expect(LenientJSON.string("1.235").minorUnits(in: .gbp) == 124)
        #expect(LenientJSON.string("1000.00").minorUnits(in: Currency("JPY")) == 1000)
        #expect(LenientJSON.string("1.25").minorUnits(in: Currency("KWD")) == 1250)
        #expect(throws: LenientJSON.ParseError.notJSON) { try LenientJSON(data: Data("<xml/>".utf8)) }
    }
}
