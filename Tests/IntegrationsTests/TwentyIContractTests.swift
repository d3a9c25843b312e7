import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TestSupport
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
            #expect(
                sandbox.logs.captured.contains {
                    $0.metadata["upstream"] == "20i" && $0.metadata["action"] == "packageTypes"
                        && $0.metadata["outcome"] == "ok"
                })
            #expect(!sandbox.logs.all.joined().contains(sandbox.credentials.twentyIKey))
        }
    }

    @Test("hosting: addWeb returns the package id; list, suspend, restore, change type, delete")
    func hosting() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let types = try await client.packageTypes()
            #expect(types.map(\.id) == ["1001", "1002", "2001"])
            let id = try await client.addWeb(
                type: "1001", domain: "cloud.example", label: "Ada's site", stackUser: "stack-user:7")
            var package = try #require(try await client.packages().first { $0.id == id })
            #expect(
                package.name == "cloud.example" && package.enabled && package.typeRef == "1001"
                    && package.stackUsers == ["stack-user:7"])
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
            let id = try await sandbox.twentyI(timeout: .seconds(10)).addWeb(type: "1001", domain: "once.example")
            let packages = try await sandbox.twentyI().packages()
            #expect(packages.map(\.id) == [id])
        }
    }

    @Test(
        "domain search reads the streamed lines; register, transfer and renew charge the balance; 402 when it is short")
    func domains() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let results = try await client.searchDomains("acmebrand")
            #expect(results.map(\.name) == ["acmebrand.com", "acmebrand.co.uk", "acmebrand.net"])
            #expect(results.allSatisfy { $0.available })
            #expect(try await client.searchDomains("taken-name.com").first?.available == false)
            let contact = TwentyIClient.Contact(
                name: "Ada Lovelace", address: "1 Engine Row", city: "London", postcode: "N1 1AA", country: "GB",
                telephone: "+44.2000000000",
                email: "ada@example.com"
            )
            try await client.registerDomain(
                "acmebrand.com", years: 2, contact: contact, nameservers: ["ns1.acme.example", "ns2.acme.example"],
                privacy: true)
            #expect(try await client.searchDomains("acmebrand.com").first?.available == false, "registered here now")
            try await client.registerDomain(
                "moving.net", years: 1, contact: contact, nameservers: [], privacy: false, transferCode: "EPP-123")
            try await client.renewDomain("acmebrand.com", years: 1, privacy: true)
            // £100 balance: 2 + 1 + 1 years at £10 leaves £60; seven more years do not fit.
            await #expect(
                throws: UpstreamError.apiError(
                    .twentyI, action: "addDomain", message: "Payment required: insufficient balance")
            ) {
                try await client.registerDomain(
                    "toolong.com", years: 7, contact: contact, nameservers: [], privacy: false)
            }
            await #expect(throws: UpstreamError.self) {
                try await client.registerDomain(
                    "taken-one.com", years: 1, contact: contact, nameservers: [], privacy: false)
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
            #expect(
                Set(zone.map { "\($0.type) \($0.host) \($0.value)" }) == [
                    "A www 192.0.2.10", "A shop 192.0.2.11", "MX @ mail.zone.example", "TXT @ v=spf1 -all",
                ])
            let shop = try #require(zone.first { $0.host == "shop" })
            try await client.updateDNS(package: id, domain: "zone.example", add: [], delete: [shop.id])
            zone = try await client.dnsRecords(package: id, domain: "zone.example")
            #expect(zone.count == 3 && !zone.contains { $0.host == "shop" })
            // The simulator refuses what the contract forbids, as 20i does.
            let (status, body) = try await sandbox.sendTwentyI(
                .POST, "/package/\(id)/domain/zone.example/dns",
                body: #"{"new":{"CNAME":{"host":"@","target":"x.example"}}}"#)
            #expect(status == 400 && body.contains("apex"))
        }
    }

    @Test(
        "cloud servers get the resource map's CPU, RAM and storage; a lost answer finds the server by its label; unknown sizes are refused"
    )
    func cloudServers() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let id = try await client.addCloudServer(
                provider: "aws", size: "t3.large", label: "acme-1001", stackUser: "stack-user:3")
            let server = try #require(try await client.cloudServer(id: id))
            #expect(
                server.cpu == 2 && server.ramGB == 8 && server.storageGB == 160 && server.status == "running"
                    && server.name == "acme-1001")
            #expect(!server.ipAddress.isEmpty && !server.hostname.isEmpty)
            #expect(try await client.cloudServer(id: "999999") == nil)
            await #expect(
                throws: UpstreamError.apiError(
                    .twentyI, action: "addCloudServer", message: "Unknown spec huge at provider 20icloud")
            ) {
                _ = try await client.addCloudServer(provider: "20i", size: "huge", label: "acme-1002")
            }
            // The answer is lost after the server was made: the retry finds it by its label, no second server.
            sandbox.sandbox.twentyIFaults.set(.commitThenTimeout, count: 1)
            let again = try await sandbox.twentyI(timeout: .seconds(10)).addCloudServer(
                provider: "20i", size: "small", label: "acme-1003")
            #expect(try await client.cloudServers().filter { $0.name == "acme-1003" }.map(\.id) == [again])
        }
    }

    @Test("domains in the account: nameservers and WHOIS privacy; a registered domain has its own zone")
    func domainSettings() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let contact = TwentyIClient.Contact(
                name: "Ada Lovelace", address: "1 Square", city: "London", postcode: "SW1", country: "GB",
                telephone: "+44.1", email: "ada@example.com")
            try await client.registerDomain(
                "ada.example", years: 1, contact: contact, nameservers: ["ns1.acme.example", "ns2.acme.example"],
                privacy: false)
            #expect(try await client.nameservers(domain: "ada.example") == ["ns1.acme.example", "ns2.acme.example"])
            try await client.setNameservers(
                domain: "ada.example", to: ["ns1.other.example", "ns2.other.example"],
                replacing: ["ns1.acme.example", "ns2.acme.example"])
            try await client.setPrivacy(domain: "ada.example", enabled: true)
            let domain = try #require(try await client.domain("ada.example"))
            #expect(
                domain.nameservers == ["ns1.other.example", "ns2.other.example"] && domain.privacy
                    && domain.expires != nil)
            await #expect(throws: UpstreamError.self) {
                try await client.setNameservers(domain: "ada.example", to: ["ns1.only.example"], replacing: [])
            }
            await #expect(throws: UpstreamError.self) {
                try await client.setPrivacy(domain: "nobody.example", enabled: true)
            }
            // Renewing moves the expiry on a year.
            try await client.renewDomain("ada.example", years: 1, privacy: true)
            let renewed = try #require(try await client.domain("ada.example")?.expires)
            #expect(renewed.timeIntervalSince(domain.expires!) > 360 * 86_400)
            // The zone of a domain without a package.
            guard case .success(let record) = DNSRecord.validate(.init(kind: "TXT", host: "@", value: "v=spf1 -all"))
            else { Issue.record("invalid"); return }
            try await client.updateDNS(domain: "ada.example", add: [record], delete: [])
            #expect(try await client.dnsRecords(domain: "ada.example").map(\.value) == ["v=spf1 -all"])
        }
    }

    @Test("StackCP single sign-on: a token for the stack user, a branded session, a link that opens once")
    func singleSignOn() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let user = try await client.addStackUser(email: "ada@example.com", name: "Ada Lovelace")
            #expect(user.hasPrefix("stack-user:"))
            await #expect(throws: UpstreamError.self) {
                _ = try await client.addStackUser(email: "ada@example.com", name: "Again")
            }
            let link = try await client.singleSignOn(stackUser: user)
            #expect(link.hasPrefix(sandbox.twentyIURL + "/login/sso?PHPSESSID="))
            let path = String(link.dropFirst(sandbox.twentyIURL.count))
            let (opened, page) = try await sandbox.sendTwentyI(.GET, path)
            #expect(opened == 200 && page.contains("Signed in as \(user)"))
            #expect(try await sandbox.sendTwentyI(.GET, path).0 == 403)
            await #expect(throws: UpstreamError.self) {
                _ = try await client.singleSignOn(stackUser: "stack-user:99999")
            }
        }
    }

    @Test(
        "addCloudServer sends the documented body; the old capitalised shape is refused; servers are read at /managed_vps"
    )
    func cloudServerWire() async throws {
        let body = TwentyIClient.cloudServerBody(
            provider: "20i", size: "small", label: "acme-7", stackUser: "stack-user:4")
        #expect(
            body
                == .object([
                    "configuration": .object([
                        "provider": "20icloud", "mvpsName": "acme-7", "optimisation": "default", "spec": "small",
                    ]),
                    "periodMonths": 1, "type": "cloud-20i", "forUser": "stack-user:4",
                ]))
        #expect(
            TwentyIClient.cloudServerBody(provider: "aws", size: "t3.large", label: "x", stackUser: nil)["type"]
                == "cloud-aws")
        try await SandboxHarness.with { sandbox in
            let (status, text) = try await sandbox.sendTwentyI(
                .POST, "/reseller/*/addCloudServer",
                body: #"{"configuration":{"Provider":"20i","Size":"small","Name":"old-shape"}}"#)
            #expect(status == 400 && text.contains("configuration.provider"))
            let id = try await sandbox.twentyI().addCloudServer(provider: "20i", size: "small", label: "acme-8")
            let (listed, list) = try await sandbox.sendTwentyI(.GET, "/managed_vps")
            #expect(listed == 200 && list.contains("acme-8"))
            #expect(try await sandbox.sendTwentyI(.GET, "/managed_vps/\(id)").0 == 200)
            #expect(try await sandbox.sendTwentyI(.GET, "/cloud_server").0 == 404)
        }
    }

    @Test("WHOIS privacy is switched with privacyState; /privacy only sets where privacy mail goes")
    func privacyState() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.twentyI()
            let contact = TwentyIClient.Contact(
                name: "Ada Lovelace", address: "1 Square", city: "London", postcode: "SW1", country: "GB",
                telephone: "+44.1", email: "ada@example.com")
            try await client.registerDomain(
                "quiet.example", years: 1, contact: contact, nameservers: [], privacy: false)
            try await client.setPrivacy(domain: "quiet.example", enabled: true)
            #expect(try await client.domain("quiet.example")?.privacy == true)
            let path = "/package/quiet.example/domain/quiet.example/privacy"
            let (status, _) = try await sandbox.sendTwentyI(.POST, path, body: #"{"enabled":false}"#)
            #expect(status == 400)
            #expect(try await client.domain("quiet.example")?.privacy == true)
            try await client.setPrivacy(domain: "quiet.example", enabled: false)
            #expect(try await client.domain("quiet.example")?.privacy == false)
        }
    }

    @Test("StackCP sign-on lands on the package's own domain when the branding says *, never on a * host")
    func signOnAddress() {
        let path = "/login/sso?PHPSESSID=abc"
        let fallback = "https://www.stackcp.com"
        let star: LenientJSON = .object(["brandDomain": "*", "brandSubdomain": "cp"])
        #expect(
            TwentyIClient.signOnAddress(branding: star, packageDomain: "acme.example", fallback: fallback, path: path)
                == "https://cp.acme.example/login/sso?PHPSESSID=abc")
        #expect(
            TwentyIClient.signOnAddress(branding: star, packageDomain: nil, fallback: fallback, path: path)
                == fallback + path)
        let own: LenientJSON = .object(["brandDomain": "panel.example", "brandSubdomain": "cp"])
        #expect(
            TwentyIClient.signOnAddress(branding: own, packageDomain: "acme.example", fallback: fallback, path: path)
                == "https://cp.panel.example/login/sso?PHPSESSID=abc")
        #expect(
            TwentyIClient.signOnAddress(
                branding: .object([:]), packageDomain: "acme.example", fallback: fallback, path: path)
                == fallback + path)
    }

    @Test("a write answered with a bare true, or nameservers under result, read as the vendor's SDK reads them")
    func bareAnswers() throws {
        #expect(try TwentyIClient.result(.bool(true), action: "transferDomain") == .bool(true))
        #expect(try TwentyIClient.result(.number(866_239), action: "addWeb") == .number(866_239))
        #expect(try TwentyIClient.result(.object(["result": "7"]), action: "x") == .string("7"))
        #expect(throws: UpstreamError.self) { try TwentyIClient.result(.bool(false), action: "x") }
        #expect(throws: UpstreamError.self) { try TwentyIClient.result(.object([:]), action: "x") }
    }
}
