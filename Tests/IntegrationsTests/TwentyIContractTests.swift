import AsyncHTTPClient
import NIOHTTP1
import Foundation
import Testing

@testable import Integrations

@Suite("20i client against its simulator")
struct TwentyIContractTests {
    @Test("Bearer base64 of the general key; a wrong key is refused as such")
    func auth() async throws {
        try await SandboxHarness.with { sandbox in
            let (status, body) = try await sandbox.sendTwentyI(.GET, "/reseller/*/packageTypes")
            #expect(status == 200 && body.contains("Linux Starter"))
            #expect(try await sandbox.sendTwentyI(.GET, "/package", key: "wrong").0 == 401)
            await #expect(throws: UpstreamError.authenticationFailed(.twentyI, message: "Invalid API key")) {
                try await sandbox.twentyI(key: "wrong").checkConnection()
            }
            try await sandbox.twentyI().checkConnection()
            #expect(sandbox.logs.all.contains { $0.contains("upstream=20i") && $0.contains("action=packageTypes") && $0.contains("outcome=ok") })
            #expect(!sandbox.logs.all.joined().contains(sandbox.credentials.twentyIKey))
        }
    }

    @Test("hosting: addWeb returns the package id; list, suspend, restore, change type, delete")
    func hosting() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let types = try await client.packageTypes()
            #expect(types.map(\.id) == ["1001", "1002", "2001"])
            let id = try await client.addWeb(type: "1001", domain: "cloud.example", label: "Ada's site", stackUser: "stack-user:7")
            var package = try #require(try await client.packages().first { $0.id == id })
            #expect(package.name == "cloud.example" && package.enabled && package.typeRef == "1001" && package.stackUsers == ["stack-user:7"])
            try await client.setEnabled(false, package: id)
            #expect(try await client.packages().first { $0.id == id }?.enabled == false)
            try await client.setEnabled(true, package: id)
            try await client.changeType(package: id, to: "1002")
            package = try #require(try await client.packages().first { $0.id == id })
            #expect(package.enabled && package.typeRef == "1002" && package.packageTypeName == "Linux Pro")
            await #expect(throws: UpstreamError.self) { _ = try await client.addWeb(type: "9999", domain: "x.example") }
            await #expect(throws: UpstreamError.apiError(.twentyI, action: "userStatus", message: "No such package")) {
                try await client.setEnabled(false, package: "424242")
            }
            try await client.deleteWeb(id)
            try await client.deleteWeb(id)
            #expect(try await client.packages().isEmpty, "deleting again counts as done")
        }
    }

    @Test("a lost addWeb answer is looked up, never a second package")
    func addWebLostAnswer() async throws {
        try await SandboxHarness.with { sandbox in
            sandbox.sandbox.twentyIFaults.set(.commitThenTimeout, count: 1)
            let id = try await sandbox.twentyI(timeout: .seconds(3)).addWeb(type: "1001", domain: "once.example")
            let packages = try await sandbox.twentyI().packages()
            #expect(packages.map(\.id) == [id])
        }
    }

    @Test("domain search reads the streamed lines; register, transfer and renew charge the balance; 402 when it is short")
    func domains() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let results = try await client.searchDomains("acmebrand")
            #expect(results.map(\.name) == ["acmebrand.com", "acmebrand.co.uk", "acmebrand.net"])
            #expect(results.allSatisfy { $0.available })
            #expect(try await client.searchDomains("taken-name.com").first?.available == false)
            let contact = TwentyIClient.Contact(
                name: "Ada Lovelace", address: "1 Engine Row", city: "London", postcode: "N1 1AA", country: "GB", telephone: "+44.2000000000",
                email: "ada@example.com"
            )
            try await client.registerDomain("acmebrand.com", years: 2, contact: contact, nameservers: ["ns1.acme.example", "ns2.acme.example"], privacy: true)
            #expect(try await client.searchDomains("acmebrand.com").first?.available == false, "registered here now")
            try await client.registerDomain("moving.net", years: 1, contact: contact, nameservers: [], privacy: false, transferCode: "EPP-123")
            try await client.renewDomain("acmebrand.com", years: 1, privacy: true)
            // £100 balance: 2 + 1 + 1 years at £10 leaves £60; seven more years do not fit.
            await #expect(throws: UpstreamError.apiError(.twentyI, action: "addDomain", message: "Payment required: insufficient balance")) {
                try await client.registerDomain("toolong.com", years: 7, contact: contact, nameservers: [], privacy: false)
            }
            await #expect(throws: UpstreamError.self) {
                try await client.registerDomain("taken-one.com", years: 1, contact: contact, nameservers: [], privacy: false)
            }
        }
    }

    @Test("DNS: validated records go in 20i's field names, come back with their ids, and are deleted by id")
    func dns() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let id = try await client.addWeb(type: "1001", domain: "zone.example")
            let records = try [
                DNSRecord.validate(.init(kind: "A", host: "www", value: "192.0.2.10")).get(),
                DNSRecord.validate(.init(kind: "MX", host: "@", value: "mail.zone.example", priority: "10")).get(),
                DNSRecord.validate(.init(kind: "TXT", host: "@", value: "v=spf1 -all")).get(),
                DNSRecord.validate(.init(kind: "A", host: "shop", value: "192.0.2.11")).get(),
            ]
            try await client.updateDNS(package: id, domain: "zone.example", add: records, delete: [])
            var zone = try await client.dnsRecords(package: id, domain: "zone.example")
            #expect(Set(zone.map { "\($0.type) \($0.host) \($0.value)" }) == [
                "A www 192.0.2.10", "A shop 192.0.2.11", "MX @ mail.zone.example", "TXT @ v=spf1 -all",
            ])
            let shop = try #require(zone.first { $0.host == "shop" })
            try await client.updateDNS(package: id, domain: "zone.example", add: [], delete: [shop.id])
            zone = try await client.dnsRecords(package: id, domain: "zone.example")
            #expect(zone.count == 3 && !zone.contains { $0.host == "shop" })
            // The simulator refuses what the contract forbids, as 20i does.
            let (status, body) = try await sandbox.sendTwentyI(.POST, "/package/\(id)/domain/zone.example/dns", body: #"{"new":{"CNAME":{"host":"@","target":"x.example"}}}"#)
            #expect(status == 400 && body.contains("apex"))
        }
    }
}
