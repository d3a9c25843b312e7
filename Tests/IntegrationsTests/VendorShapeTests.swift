import Foundation
import Integrations
import Sandbox
import TestSupport
import Testing

/// The WHM and 20i simulators against the vendors' documented examples: every key the example has is in the
/// simulator's answer, with the same JSON kind (number, string, list, object).
@Suite("WHM and 20i simulators' answers against the documented shapes")
struct VendorShapeTests {
    static func documented(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try VendorGoldenTests.fixture(path))
    }

    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is NSNumber: "number"  // JSON numbers and booleans alike (one type on Linux)
        case is String: "string"
        case is [Any]: "list"
        case is [String: Any]: "object"
        default: "other"
        }
    }

    /// Keys of `example` missing from `answer`, or of another kind, at `path`; objects are compared one level down
    /// and lists by their first element.
    /// With `anyCase`, keys match whatever their letter case.
    static func gaps(
        _ example: Any, _ answer: Any?, path: String = "", depth: Int = 0, anyCase: Bool = false
    ) -> [String] {
        guard let answer else { return [path.isEmpty ? "(answer)" : path] }
        if let example = example as? [String: Any] {
            guard let answer = answer as? [String: Any] else { return ["\(path): not an object"] }
            return example.flatMap { key, value in
                let found =
                    answer[key] ?? (anyCase ? answer.first { $0.key.lowercased() == key.lowercased() }?.value : nil)
                return depth < 2
                    ? gaps(value, found, path: path + "." + key, depth: depth + 1, anyCase: anyCase)
                    : (found == nil ? [path + "." + key] : [])
            }
        }
        if let example = example as? [Any], let first = example.first {
            guard let answer = answer as? [Any] else { return ["\(path): not a list"] }
            guard let item = answer.first else { return [] }
            return gaps(first, item, path: path + "[0]", depth: depth, anyCase: anyCase)
        }
        let (expected, actual) = (kind(example), kind(answer))
        return expected == actual || expected == "null" ? [] : ["\(path): \(actual), documented \(expected)"]
    }

    @Test("WHM: every function with a documented answer answers with its keys and kinds")
    func whm() async throws {
        try await SandboxHarness.with { sandbox in
            let authorization = "whm \(sandbox.credentials.whmUser):\(sandbox.credentials.whmToken)"
            var report: [String] = []
            let (_, listed) = try await sandbox.getWHM("/json-api/listpkgs?api.version=1", authorization: authorization)
            let package = try #require(
                try LenientJSON(data: Data(listed.utf8))["data"]?["pkg"]?.elements.first?["name"]?.string)
            let calls = [
                ("createacct", "username=shapeuser&domain=shape.example&plan=default"), ("listpkgs", ""),
                ("myprivs", ""), ("create_user_session", "user=shapeuser&service=cpaneld&app=Stats_AWStats&locale=fr"),
                ("suspendacct", "user=shapeuser&reason=x"), ("unsuspendacct", "user=shapeuser"),
                ("changepackage", "user=shapeuser&pkg=\(package)"), ("showbw", "searchtype=user&search=shapeuser"),
                ("removeacct", "username=shapeuser"),
            ]
            for (function, arguments) in calls {
                let (_, body) = try await sandbox.getWHM(
                    "/json-api/\(function)?api.version=1&\(arguments)", authorization: authorization)
                let answer = try JSONSerialization.jsonObject(with: Data(body.utf8))
                let fixture =
                    function == "create_user_session" ? "\(function).response.legacy-doc" : "\(function).response"
                let found = Self.gaps(try Self.documented("WHM/\(fixture).json"), answer)
                if !found.isEmpty { report.append("\(function): \(found.sorted().joined(separator: ", "))") }
            }
            #expect(report.isEmpty, "\(report.joined(separator: "\n"))")
        }
    }

    @Test("20i: the package list and addWeb answer as documented")
    func twentyI() async throws {
        try await SandboxHarness.with { sandbox in
            let types = try await sandbox.twentyI().packageTypes()
            let type = try #require(types.first?.id)
            let (_, added) = try await sandbox.sendTwentyI(
                .POST, "/reseller/*/addWeb", body: #"{"type":"\#(type)","domain_name":"shape.example"}"#)
            let (_, listed) = try await sandbox.sendTwentyI(.GET, "/package")
            var report: [String] = []
            for (name, body) in [("addWeb", added), ("listPackages", listed)] {
                let answer = try JSONSerialization.jsonObject(with: Data(body.utf8))
                let found = Self.gaps(try Self.documented("TwentyI/\(name).response.json"), answer)
                if !found.isEmpty { report.append("\(name): \(found.sorted().joined(separator: ", "))") }
            }
            #expect(report.isEmpty, "\(report.joined(separator: "\n"))")
        }
    }

    @Test("TheSSLStore: a product in the query answer has every documented key and kind")
    func sslStore() async throws {
        try await SandboxHarness.with { sandbox in
            let (_, body) = try await sandbox.postSSLStore(
                "/product/query/",
                #"{"AuthRequest":{"PartnerCode":"\#(sandbox.credentials.sslStorePartnerCode)","AuthToken":"\#(sandbox.credentials.sslStoreAuthToken)","ReplayToken":"r"},"ProductType":0}"#
            )
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [Any])
            // TheSSLStore's documentation spells one key `IsError` on this page and `isError` elsewhere; its .NET
            // service reads either, so key case is not compared here.
            let found = Self.gaps(
                try Self.documented("SSLStore/productQuery.response.json"), answer.first, anyCase: true)
            #expect(found.isEmpty, "\(found.sorted())")
        }
    }
}
