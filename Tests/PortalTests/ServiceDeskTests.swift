import Foundation
import Integrations
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// An in-memory registrar: the zone it holds, the calls it took, and whether it refuses.
final class InMemoryRegistrar: DomainRegistrar {
    private let state = Mutex<(zone: [TwentyIClient.ZoneRecord], calls: [String], refusing: Bool)>(([], [], false))

    var calls: [String] { state.withLock { $0.calls } }
    func refuse(_ refusing: Bool) { state.withLock { $0.refusing = refusing } }

    private func take(_ call: String) throws {
        try state.withLock { state in
            if state.refusing { throw UpstreamError.apiError(.twentyI, action: call, message: "Registry is closed") }
            state.calls.append(call)
        }
    }

    func dnsRecords(domain: String) async throws -> [TwentyIClient.ZoneRecord] {
        try state.withLock { state in
            if state.refusing { throw UpstreamError.badStatus(.twentyI, action: "getDNS", status: 503) }
            return state.zone
        }
    }

    func setNameservers(domain: String, to nameservers: [String], replacing old: [String]) async throws {
        try take("ns \(domain) \(nameservers.joined(separator: ","))")
    }

    func updateDNS(domain: String, add: [DNSRecord], delete: [String]) async throws {
        try take("dns \(domain) +\(add.map(\.value)) -\(delete)")
        state.withLock { state in
            state.zone.removeAll { delete.contains($0.id) }
            for record in add {
                state.zone.append(
                    .init(
                        id: "r\(state.zone.count + 1)", type: record.kind.rawValue, host: record.host,
                        value: record.value))
            }
        }
    }

    func setPrivacy(domain: String, enabled: Bool) async throws { try take("privacy \(domain) \(enabled)") }
}

/// An in-memory 20i cloud: the live state of servers, and single sign-on addresses.
final class InMemoryCloudHost: CloudHost {
    private let state = Mutex<(servers: [String: TwentyICloudServer], down: Bool, signOns: [String])>(([:], false, []))

    var signOns: [String] { state.withLock { $0.signOns } }
    func set(_ server: TwentyICloudServer) { state.withLock { $0.servers[server.id] = server } }
    func goDown() { state.withLock { $0.down = true } }

    func cloudServer(id: String) async throws -> TwentyICloudServer? {
        try state.withLock { state in
            if state.down { throw UpstreamError.badStatus(.twentyI, action: "cloudServer", status: 503) }
            return state.servers[id]
        }
    }

    func singleSignOn(stackUser: String) async throws -> String {
        state.withLock { $0.signOns.append(stackUser) }
        return "https://stackcp.example/login?token=\(stackUser)"
    }
}

/// A customer's domains and cloud servers, on in-memory stand-ins for 20i; no HTTP, no simulator.
@Suite("Domain manager and cloud server desk", .englishMessages)
struct ServiceDeskTests {
    static func manager(_ dependencies: PortalDependencies, _ registrar: InMemoryRegistrar) -> DomainManager {
        DomainManager(
            databases: dependencies.databases, registrar: { _ in registrar }, now: { Date() },
            logger: .init(label: "test"))
    }

    static func domain(_ dependencies: PortalDependencies, _ account: Account, tenant: Tenant) async throws
        -> RegisteredDomain
    {
        try await dependencies.databases.withDatabase(for: tenant) { database in
            try await database.provisioned.record(
                RegisteredDomain(
                    accountID: account.id, orderID: nil, name: "ada.example",
                    expiresAt: Date(timeIntervalSinceNow: 1e7),
                    nameservers: ["ns1.old.example", "ns2.old.example"], privacy: false, now: Date()))
        }
    }

    static func audit(_ dependencies: PortalDependencies, _ tenant: Tenant) async throws -> [String] {
        try await dependencies.databases.withDatabase(for: tenant) {
            // Oldest first: the store lists the newest first.
            try await $0.accounts.auditEntries().filter { $0.action.hasPrefix("domain.") }.reversed().map {
                "\($0.action) \($0.detail)"
            }
        }
    }

    @Test("nameservers: 2 to 13 distinct host names, one per line; anything else says why")
    func nameserverRules() throws {
        #expect(
            try DomainManager.nameservers(from: "NS1.Example.com.\nns2.example.com").get() == [
                "ns1.example.com", "ns2.example.com",
            ])
        #expect(
            DomainManager.nameservers(from: "ns1.example.com")
                == .failure(.init(message: "Enter between 2 and 13 nameservers, one per line.")))
        #expect(
            DomainManager.nameservers(from: "ns1.example.com\nnot a host!")
                == .failure(.init(message: "“not” is not a host name such as ns1.example.com.")))
        #expect(
            DomainManager.nameservers(from: "ns1.example.com\nns1.example.com")
                == .failure(.init(message: "Each nameserver may appear once.")))
        let fourteen = (1...14).map { "ns\($0).example.com" }.joined(separator: "\n")
        #expect(throws: DomainManager.NameserverProblem.self) { try DomainManager.nameservers(from: fourteen).get() }
    }

    @Test(
        "a change the registrar accepts is stored and audited; a refusal stores nothing and says the registrar's reason"
    )
    func changes() async throws {
        try await withPortal { _, dependencies in
            let acme = try dependencies.registryTenant("acme")
            let account = try await makeAccount(dependencies)
            let domain = try await Self.domain(dependencies, account, tenant: acme)
            let registrar = InMemoryRegistrar()
            let manager = Self.manager(dependencies, registrar)

            let names = ["ns1.brand.example", "ns2.brand.example"]
            #expect(try await manager.apply(.nameservers(names), to: domain, by: account, in: acme, ip: "") == .done)
            #expect(try await manager.apply(.privacy(true), to: domain, by: account, in: acme, ip: "") == .done)
            #expect(try await manager.apply(.autoRenew(false), to: domain, by: account, in: acme, ip: "") == .done)
            let stored = try await manager.domain(named: "ADA.example", of: account, in: acme)
            #expect(stored.nameserverList == names && stored.privacy && !stored.autoRenew)
            #expect(registrar.calls == ["ns ada.example \(names.joined(separator: ","))", "privacy ada.example true"])

            registrar.refuse(true)
            let refused = try await manager.apply(.privacy(false), to: stored, by: account, in: acme, ip: "")
            #expect(refused == .refused("WHOIS privacy could not be changed: Registry is closed."))
            #expect(try await manager.domain(named: "ada.example", of: account, in: acme).privacy)
            #expect(await manager.records(of: stored, in: acme) == nil)
            #expect(
                try await Self.audit(dependencies, acme) == [
                    "domain.nameservers ns1.brand.example, ns2.brand.example", "domain.privacy on",
                    "domain.auto_renew off",
                ])
        }
    }

    @Test("a record is added and deleted by its id; an id from outside the zone is a 404 and never sent on")
    func records() async throws {
        try await withPortal { _, dependencies in
            let acme = try dependencies.registryTenant("acme")
            let account = try await makeAccount(dependencies)
            let domain = try await Self.domain(dependencies, account, tenant: acme)
            let registrar = InMemoryRegistrar()
            let manager = Self.manager(dependencies, registrar)
            let record = try DNSRecord.validate(.init(kind: "A", host: "www", value: "192.0.2.7")).get()

            #expect(try await manager.apply(.addRecord(record), to: domain, by: account, in: acme, ip: "") == .done)
            #expect(await manager.records(of: domain, in: acme)?.map(\.value) == ["192.0.2.7"])
            await #expect(throws: PortalError.notFound) {
                try await manager.apply(.deleteRecord("elsewhere-9"), to: domain, by: account, in: acme, ip: "")
            }
            #expect(try await manager.apply(.deleteRecord("r1"), to: domain, by: account, in: acme, ip: "") == .done)
            #expect(await manager.records(of: domain, in: acme)?.isEmpty == true)
            #expect(registrar.calls == ["dns ada.example +[\"192.0.2.7\"] -[]", "dns ada.example +[] -[\"r1\"]"])
        }
    }

    @Test("another customer's or another brand's domain is not found")
    func isolation() async throws {
        try await withPortal { _, dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let ada = try await makeAccount(dependencies)
            let bob = try await makeAccount(dependencies, email: "bob@example.com")
            let globexAda = try await makeAccount(dependencies, tenant: "globex")
            _ = try await Self.domain(dependencies, ada, tenant: acme)
            let manager = Self.manager(dependencies, InMemoryRegistrar())

            await #expect(throws: PortalError.notFound) {
                try await manager.domain(named: "ada.example", of: bob, in: acme)
            }
            await #expect(throws: PortalError.notFound) {
                try await manager.domain(named: "ada.example", of: globexAda, in: globex)
            }
            #expect(try await manager.domains(of: globexAda, in: globex).isEmpty)
        }
    }

    static func server(_ dependencies: PortalDependencies, _ account: Account, _ tenant: Tenant) async throws
        -> CloudServer
    {
        try await dependencies.databases.withDatabase(for: tenant) { database in
            try await database.provisioned.record(
                CloudServer(
                    accountID: account.id, orderID: nil, name: "web-1", provider: "20i", size: "medium", cpu: 2,
                    ramGB: 4, storageGB: 80, upstreamID: "cs-1", status: "building", ipAddress: "", hostname: "",
                    now: Date()))
        }
    }

    @Test("a cloud server's live status is shown and kept; when 20i is down the last known one is shown as stale")
    func cloudStatus() async throws {
        try await withPortal { _, dependencies in
            let acme = try dependencies.registryTenant("acme")
            let account = try await makeAccount(dependencies)
            let server = try await Self.server(dependencies, account, acme)
            let host = InMemoryCloudHost()
            let desk = CloudServerDesk(databases: dependencies.databases, host: { _ in host }, now: { Date() })
            var live = TwentyICloudServer(
                id: "cs-1", name: "web-1", provider: "20i", size: "medium", cpu: 2, ramGB: 4, storageGB: 80,
                status: "running", ipAddress: "203.0.113.9", hostname: "web-1.cloud.example")
            host.set(live)

            let shown = try await desk.server(server.id!.rawValue, of: account, in: acme)
            #expect(!shown.isStale && shown.server.status == "running" && shown.server.ipAddress == "203.0.113.9")
            live.status = "stopped"
            host.set(live)
            host.goDown()
            let stale = try await desk.server(server.id!.rawValue, of: account, in: acme)
            #expect(stale.isStale && stale.server.status == "running" && stale.server.hostname == "web-1.cloud.example")
        }
    }

    @Test("single sign-on goes to the customer's own stack user and is audited; another customer gets a 404")
    func cloudSignOn() async throws {
        try await withPortal { _, dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let ada = try await makeAccount(dependencies)
            let bob = try await makeAccount(dependencies, email: "bob@example.com")
            let server = try await Self.server(dependencies, ada, acme)
            let host = InMemoryCloudHost()
            let desk = CloudServerDesk(databases: dependencies.databases, host: { _ in host }, now: { Date() })
            let id = server.id!.rawValue

            await #expect(throws: PortalError.notFound) {
                try await desk.controlPanel(id, of: ada, in: acme, ip: "")  // no stack user yet
            }
            try await dependencies.databases.withDatabase(for: acme) {
                try await $0.provisioned.recordStackUser("stack-user:5", for: ada.id, now: Date())
            }
            let url = try await desk.controlPanel(id, of: ada, in: acme, ip: "192.0.2.1")
            #expect(url == "https://stackcp.example/login?token=stack-user:5")
            await #expect(throws: PortalError.notFound) { try await desk.controlPanel(id, of: bob, in: acme, ip: "") }
            await #expect(throws: PortalError.notFound) { try await desk.server(id, of: bob, in: acme) }
            let globexAda = try await makeAccount(dependencies, tenant: "globex")
            await #expect(throws: PortalError.notFound) { try await desk.server(id, of: globexAda, in: globex) }
            #expect(host.signOns == ["stack-user:5"])
            let audited = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.accounts.auditEntries(action: "cloud.control_panel").map(\.target)
            }
            #expect(audited == ["cloud server \(id)"])
        }
    }
}
