import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import Testing

@testable import Portal

extension HTTPField.Name {
    static let testForwardedFor = Self("X-Forwarded-For")!
}

@Suite("Custom domains and TLS")
struct CustomDomainTests {
    @Test("add, verify through a real DNS server, route, make primary, remove; bad input and other tenants refused")
    func lifecycle() async throws {
        let port = try DNSServer.freePort()
        try await withPortal(configure: {
            $0.dnsResolver = "127.0.0.1:\(port)"; $0.edgeHost = "edge.platform.example"
        }) { client, dependencies in
            let browser = try await staffBrowser(client, dependencies, tenant: "acme", landing: "/admin/domains")
            let host = "shop.acme-brand.example"

            // Bad names, the platform's own names and another brand's domain are refused beside the field.
            for (input, message) in [
                ("", "Enter a domain name"), ("not a domain!", "Enter a domain name"),
                ("x.localhost", "Addresses under localhost are the platform"),
                ("portal.acme.example", "already in use"),
            ] {
                let refused = try await browser.post("/admin/domains", ["hostname": input])
                #expect(refused.status == .unprocessableContent, "\(input)")
                #expect(refused.text.contains("domain-hostname-error"), "\(input)")
                #expect(refused.text.contains(message), "\(input): \(refused.text)")
            }
            let before = try dependencies.platform.domains(of: try dependencies.registryTenant("acme").id)
            #expect(before.count == 2)

            let added = try await browser.post("/admin/domains", ["hostname": "Shop.Acme-Brand.example"])
            #expect(added.status == .seeOther)
            let page = try await browser.get("/admin/domains?done=added")
            #expect(page.text.contains("Waiting for DNS verification"))
            #expect(page.text.contains("<code>edge.platform.example</code>"))
            let token = try #require(page.text.firstMatch(of: /portal-verify=([A-Za-z0-9_-]+)/).map { String($0.1) })
            #expect(page.text.contains("_portal-verify.\(host)"))
            // Pending: neither routed nor given a certificate.
            #expect(try await client.get("/", host: host).status == .notFound)
            #expect(try await client.get("/internal/tls/allowed?domain=\(host)", host: "127.0.0.1").status == .notFound)

            // No record yet, then a wrong one: refused beside the domain with what was found.
            var dns = try await DNSServer(port: port)
            var refused = try await browser.post("/admin/domains/\(host)/verify", [:])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("no TXT record there yet"))
            await dns.stop()
            dns = try await DNSServer(port: port, txt: ["_portal-verify.\(host)": "portal-verify=wrong"])
            refused = try await browser.post("/admin/domains/\(host)/verify", [:])
            #expect(
                refused.text.contains("found “portal-verify=wrong”"),
                "\(refused.text.firstMatch(of: /field__error[^<]*/).map { String($0.0) } ?? "")")
            #expect(try await client.get("/", host: host).status == .notFound)

            // Another brand's owner cannot touch it.
            let globex = try await staffBrowser(client, dependencies, tenant: "globex", landing: "/admin/domains")
            #expect(try await globex.post("/admin/domains/\(host)/verify", [:]).status == .notFound)
            #expect(try await globex.post("/admin/domains/\(host)/remove", [:]).status == .notFound)

            await dns.stop()
            dns = try await DNSServer(port: port, txt: ["_portal-verify.\(host)": "portal-verify=\(token)"])
            #expect(try await browser.post("/admin/domains/\(host)/verify", [:]).status == .seeOther)
            let home = try await client.get("/", host: host)
            #expect(home.status == .ok)
            #expect(home.bodyText.contains("Acme Hosting"))
            #expect(try await client.get("/internal/tls/allowed?domain=\(host)", host: "127.0.0.1").status == .ok)
            await dns.stop()

            // Primary: links are built from it; the primary cannot be removed; the platform address never.
            #expect(try await browser.post("/admin/domains/\(host)/primary", [:]).status == .seeOther)
            let acme = try dependencies.registryTenant("acme")
            #expect(dependencies.registry.snapshot.primaryHost(of: acme.id) == host)
            let primaryRemoval = try await browser.post("/admin/domains/\(host)/remove", [:])
            #expect(primaryRemoval.status == .unprocessableContent)
            #expect(primaryRemoval.text.contains("make another domain primary before removing it"))
            let platformRemoval = try await browser.post("/admin/domains/acme.localhost/remove", [:])
            #expect(platformRemoval.text.contains("cannot be removed"))
            #expect(try await browser.post("/admin/domains/acme.localhost/primary", [:]).status == .seeOther)
            #expect(try await browser.post("/admin/domains/\(host)/remove", [:]).status == .seeOther)
            #expect(try await client.get("/", host: host).status == .notFound)
            #expect(dependencies.registry.snapshot.primaryHost(of: acme.id) == "acme.localhost")

            // Every change is in the brand's audit log.
            let actions = try await dependencies.accounts("acme") { try await $0.auditEntries() }.map(\.action)
            for action in ["domain.added", "domain.verified", "domain.made_primary", "domain.removed"] {
                #expect(actions.contains(action), "\(action)")
            }
        }
    }

    @Test("support staff see domains but cannot change them; an unreachable resolver is a clear error")
    func rolesAndResolverFailure() async throws {
        let silent = try DNSServer.SilentPort()
        try await withPortal(configure: { $0.dnsResolver = "127.0.0.1:\(silent.port)" }) { client, dependencies in
            withExtendedLifetime(silent) {}  // bound, and never answering, until the test ends
            let owner = try await staffBrowser(client, dependencies, tenant: "acme", landing: "/admin/domains")
            #expect(try await owner.post("/admin/domains", ["hostname": "www.acme-brand.example"]).status == .seeOther)
            let failed = try await owner.post("/admin/domains/www.acme-brand.example/verify", [:])
            #expect(failed.status == .badGateway)
            #expect(failed.text.contains("The DNS check could not be completed"))

            try await makeAccount(
                dependencies, tenant: "acme", kind: .staff, email: "help@acme.example", role: .support)
            let support = TestBrowser(client, host: "acme.localhost")
            try await signIn(support, email: "help@acme.example", staff: true)
            let page = try await support.get("/admin/domains")
            #expect(page.status == .ok)
            #expect(page.text.contains("www.acme-brand.example"))
            #expect(!page.text.contains("Add the domain"))
            #expect(try await support.post("/admin/domains", ["hostname": "x.acme-brand.example"]).status == .forbidden)
            #expect(try await support.post("/admin/domains/www.acme-brand.example/remove", [:]).status == .forbidden)
        }
    }

    @Test("the TLS ask answers 200 only for active domains of active tenants and the platform host")
    func tlsAsk() async throws {
        try await withPortal(configure: { $0.trustedProxies = [CIDR("127.0.0.1/32")!] }) { client, dependencies in
            func ask(_ domain: String) async throws -> HTTPResponse.Status {
                try await client.get("/internal/tls/allowed?domain=\(domain)", host: "127.0.0.1").status
            }
            #expect(try await ask("portal.acme.example") == .ok)
            #expect(try await ask("acme.localhost") == .ok)
            #expect(try await ask("globex.localhost") == .ok)
            #expect(try await ask("platform.localhost") == .ok)
            #expect(try await ask("unknown.example") == .notFound)
            #expect(try await ask("") == .notFound)
            #expect(try await ask("bad_host!") == .notFound)
            // Asked through a trusted proxy on behalf of a visitor: never answered.
            #expect(
                try await client.get(
                    "/internal/tls/allowed?domain=portal.acme.example", host: "127.0.0.1",
                    headers: [.testForwardedFor: "203.0.113.9"]
                ).status == .notFound)
            _ = try dependencies.platform.setStatus(.suspended, slug: try TenantSlug(validating: "acme"))
            try await dependencies.registry.reload()
            #expect(try await ask("portal.acme.example") == .notFound)
            #expect(try await ask("globex.localhost") == .ok)
        }
    }
}
