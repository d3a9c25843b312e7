import Foundation
import Integrations
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// In-memory WHMCS module commands: the ones it ran, and whether it refuses.
final class InMemoryModules: ServiceModules {
    private let state = Mutex<(ran: [String], refusing: Bool)>(([], false))
    var ran: [String] { state.withLock { $0.ran } }
    func refuse() { state.withLock { $0.refusing = true } }

    func module(_ command: WHMCSClient.ModuleCommand, serviceID: Int, reason: String?) async throws {
        try state.withLock { state in
            if state.refusing {
                throw UpstreamError.apiError(.whmcs, action: command.rawValue, message: "Module Command Failed")
            }
            state.ran.append("\(command.rawValue) \(serviceID) \(reason ?? "-")")
        }
    }
}

/// One customer's back-office actions through `CustomerDesk`, on an in-memory WHMCS; no HTTP.
@Suite("Customer desk")
struct CustomerDeskTests {
    static func desk(_ dependencies: PortalDependencies, _ modules: InMemoryModules) -> CustomerDesk {
        CustomerDesk(
            databases: dependencies.databases, flows: dependencies.accountFlows,
            realm: { dependencies.tenantRealm($0) }, modules: { _ in modules })
    }

    @Test("a service is suspended at WHMCS first, then here; a WHMCS refusal changes nothing here")
    func suspend() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let owner = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let ada = try await makeAccount(dependencies)
            try await HostingDeskTests.seed(dependencies, ada, acme)
            let modules = InMemoryModules()
            let desk = Self.desk(dependencies, modules)
            let service = try await desk.service(7, of: ada, in: acme)

            try await desk.change(.suspend, service, of: ada, by: owner, in: acme, ip: "")
            #expect(modules.ran == ["ModuleSuspend 7 Suspended by \(acme.name) staff"])
            #expect(try await desk.service(7, of: ada, in: acme).status == "Suspended")

            modules.refuse()
            await #expect(throws: UpstreamError.self) {
                try await desk.change(.unsuspend, service, of: ada, by: owner, in: acme, ip: "")
            }
            #expect(try await desk.service(7, of: ada, in: acme).status == "Suspended")
            let audit = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.accounts.auditEntries(action: "service.suspended").count
            }
            #expect(audit == 1)
        }
    }

    @Test("a reset link and a welcome email go to the customer once each, audited; staff and other brands' ids are 404")
    func emailsAndIsolation() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let owner = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let ada = try await makeAccount(dependencies)
            try await HostingDeskTests.seed(dependencies, ada, acme)
            let desk = Self.desk(dependencies, InMemoryModules())

            try await desk.sendPasswordReset(to: ada, by: owner, in: acme, ip: "")
            try await desk.resendWelcome(
                for: try await desk.service(7, of: ada, in: acme), to: ada, by: owner, in: acme, ip: "")
            try await desk.addNote("Called about DNS", to: ada, by: owner, in: acme, ip: "")
            let kinds = try await dependencies.outbox("acme").filter { $0.toAddress == "ada@example.com" }.map(\.kind)
            #expect(kinds.sorted() == ["reset_password", "service_activated"])
            #expect(try await desk.record(of: ada, in: acme).notes.map(\.body) == ["Called about DNS"])

            await #expect(throws: PortalError.notFound) { try await desk.customer(owner.id.rawValue, in: acme) }
            await #expect(throws: PortalError.notFound) { try await desk.customer(ada.id.rawValue, in: globex) }
            await #expect(throws: PortalError.notFound) {
                try await desk.service(7, of: try await makeAccount(dependencies, email: "bob@example.com"), in: acme)
            }
            #expect(try await dependencies.outbox("globex").isEmpty)
        }
    }
}
