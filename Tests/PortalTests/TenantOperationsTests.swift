import Foundation
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The console's actions on one brand through `TenantOperations`, without HTTP.
@Suite("Tenant operations")
struct TenantOperationsTests {
    static func operations(_ dependencies: PortalDependencies, exports: URL, clock: TestClock) -> TenantOperations {
        TenantOperations(
            platform: dependencies.platform, registry: dependencies.registry, writer: dependencies.registryWriter,
            realm: dependencies.platformRealm, health: dependencies.healthCollector,
            hostingSuspension: dependencies.hostingSuspension,
            archive: dependencies.archive, backups: dependencies.backups, exportsFolder: exports,
            now: clock.now)
    }

    static func platformUser(_ dependencies: PortalDependencies) async throws -> Account {
        try await dependencies.platformRealm.withAccounts { store in
            try await store.createAccount(
                kind: .platform, email: "ops@platform.example", name: "Ops", passwordHash: nil, role: nil,
                emailVerified: true)
        }
    }

    @Test("suspend and resume reach routing at once and are audited with the reason")
    func suspendResume() async throws {
        try await withDependencies { dependencies in
            let folder = try TemporaryFolder()
            let operations = Self.operations(
                dependencies, exports: URL(fileURLWithPath: folder.path), clock: TestClock())
            let ops = try await Self.platformUser(dependencies)
            let acme = try operations.tenant("acme")

            try await operations.suspend(acme, reason: "Unpaid invoice", hosting: false, by: ops, ip: "192.0.2.1")
            #expect(try operations.tenant("acme").status == .suspended)
            #expect(try operations.tenant("acme").statusReason == "Unpaid invoice")
            #expect(try operations.tenant("globex").status == .active)
            try await operations.resume(acme, by: ops, ip: "192.0.2.1")
            #expect(try operations.tenant("acme").status == .active)
            let overview = try await operations.overview(of: acme)
            #expect(overview.audit.map(\.action) == ["tenant.resumed", "tenant.suspended"])
            #expect(overview.audit.last?.detail == "reason: Unpaid invoice")
            #expect(try await operations.overview(of: try operations.tenant("globex")).audit.isEmpty)
            #expect(throws: PortalError.notFound) { try operations.tenant("../acme") }
            #expect(throws: PortalError.notFound) { try operations.tenant("nobody") }
        }
    }

    @Test(
        "exports keep the three newest; a second click in the same second writes nothing new; only the brand's own files download"
    )
    func exports() async throws {
        try await withDependencies { dependencies in
            let folder = try TemporaryFolder()
            let clock = TestClock.frozen()
            let operations = Self.operations(dependencies, exports: URL(fileURLWithPath: folder.path), clock: clock)
            let ops = try await Self.platformUser(dependencies)
            let acme = try operations.tenant("acme")
            let globex = try operations.tenant("globex")

            try await operations.export(acme, by: ops, ip: "")
            try await operations.export(acme, by: ops, ip: "")
            #expect(try await operations.overview(of: acme).exports.count == 1)
            for _ in 0..<3 {
                clock.advance(by: 2)
                try await operations.export(acme, by: ops, ip: "")
            }
            let kept = try await operations.overview(of: acme).exports.map(\.lastPathComponent)
            #expect(kept.count == 3 && kept == kept.sorted(by: >))

            let newest = try #require(kept.first)
            #expect(try await operations.exportFile(newest, of: acme, by: ops, ip: "").lastPathComponent == newest)
            await #expect(throws: PortalError.notFound) {
                try await operations.exportFile(newest, of: globex, by: ops, ip: "")
            }
            await #expect(throws: PortalError.notFound) {
                try await operations.exportFile("../acme/\(newest)", of: globex, by: ops, ip: "")
            }
            let actions = try await operations.overview(of: acme).audit.map(\.action)
            #expect(actions.filter { $0 == "tenant.exported" }.count == 4)
            #expect(actions.first == "tenant.export_downloaded")
        }
    }
}
