import Foundation
import Synchronization
import Testing

@testable import Tenancy

/// A data folder in the temporary directory, removed at the end of the test.
struct TestDataDirectory: ~Copyable {
    let directory: DataDirectory

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tenancy-\(UUID().uuidString)").path
        directory = DataDirectory(path: path)
        try directory.createRootIfNeeded()
    }

    deinit {
        try? FileManager.default.removeItem(at: directory.root)
    }
}

extension TestDataDirectory {
    /// Onboards a tenant named `slug` here and opens its database, as a server's pool would.
    func openNewTenant(_ slug: String) throws -> TenantDatabase {
        let platform = try PlatformDatabase(dataDirectory: directory)
        defer { try? platform.close() }
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: directory, baseDomain: "localhost")
        let tenant = try onboarding.addTenant(.init(slug: slug, name: slug))
        return try TenantDatabase.open(path: directory.tenantDatabasePath(tenant.slug), tenantID: tenant.id)
    }
}

@Suite("Registry and onboarding")
struct RegistryTests {
    @Test("a new tenant gets its folder, database and a platform domain as primary")
    func addTenant() throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")

        let tenant = try onboarding.addTenant(.init(slug: "acme", name: "  Acme Hosting "))

        #expect(tenant.name == "Acme Hosting")
        #expect(tenant.status == .active)
        #expect(FileManager.default.fileExists(atPath: data.directory.tenantDatabasePath(tenant.slug)))
        let domains = try platform.domains(of: tenant.id)
        #expect(domains.map(\.hostname) == ["acme.localhost"])
        #expect(domains.first?.isPrimary == true)
        let snapshot = try platform.snapshot()
        #expect(snapshot.primaryHost(of: tenant.id) == "acme.localhost")
    }

    @Test("the first custom domain becomes the primary domain")
    func customPrimary() throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")

        let tenant = try onboarding.addTenant(
            .init(slug: "acme", name: "Acme", customDomains: ["Portal.Acme.Example", "shop.acme.example"])
        )

        let snapshot = try platform.snapshot()
        #expect(snapshot.primaryHost(of: tenant.id) == "portal.acme.example")
        #expect(snapshot.tenant(forHost: "shop.acme.example", baseDomain: "localhost")?.id == tenant.id)
        #expect(snapshot.tenant(forHost: "acme.localhost", baseDomain: "localhost")?.id == tenant.id)
        #expect(snapshot.tenantID(slug: try TenantSlug(validating: "acme")) == tenant.id)
        #expect(snapshot.tenantID(slug: try TenantSlug(validating: "globex")) == nil)
    }

    @Test("duplicate slugs and domains are refused and change nothing")
    func duplicates() throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
        try onboarding.addTenant(.init(slug: "acme", name: "Acme", customDomains: ["portal.acme.example"]))
        let revision = try platform.revision()

        #expect(throws: TenancyError.duplicateSlug("acme")) {
            try onboarding.addTenant(.init(slug: "acme", name: "Another"))
        }
        #expect(throws: TenancyError.duplicateDomain("portal.acme.example")) {
            try onboarding.addTenant(.init(slug: "globex", name: "Globex", customDomains: ["portal.acme.example"]))
        }
        #expect(throws: TenancyError.domainUnderBaseDomain("acme.localhost", baseDomain: "localhost")) {
            try onboarding.addTenant(.init(slug: "globex", name: "Globex", customDomains: ["acme.localhost"]))
        }

        #expect(try platform.revision() == revision)
        #expect(try platform.allTenants().map(\.slug.rawValue) == ["acme"])
        let folders = try FileManager.default.contentsOfDirectory(atPath: data.directory.root.path)
        // (`.template` holds the migrated file new tenants are copied from.)
        #expect(folders.filter { !$0.hasPrefix("platform.sqlite") }.sorted() == [".template", "acme"])
    }

    @Test("a failure while preparing the tenant leaves no rows and no folder")
    func atomicOnFailure() throws {
        struct SeedFailure: Error {}
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")

        #expect(throws: SeedFailure.self) {
            try onboarding.addTenant(.init(slug: "acme", name: "Acme")) { _, _ in throw SeedFailure() }
        }

        #expect(try platform.allTenants().isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: data.directory.root.path)
            .filter { !$0.hasPrefix("platform.sqlite") && $0 != ".template" }
        #expect(leftovers.isEmpty)
    }

    @Test("a stray folder with the slug's name is reported, not overwritten")
    func strayFolder() throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
        let stray = data.directory.root.appendingPathComponent("acme")
        try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: stray.appendingPathComponent("note.txt"))

        #expect(throws: TenancyError.folderExists(stray.path)) {
            try onboarding.addTenant(.init(slug: "acme", name: "Acme"))
        }
        #expect(FileManager.default.fileExists(atPath: stray.appendingPathComponent("note.txt").path))
        #expect(try platform.allTenants().isEmpty)
    }

    @Test("names are trimmed and checked")
    func names() throws {
        #expect(throws: TenancyError.self) { try TenantOnboarding.validateName("   ") }
        #expect(throws: TenancyError.self) { try TenantOnboarding.validateName(String(repeating: "x", count: 101)) }
        #expect(throws: TenancyError.self) { try TenantOnboarding.validateName("Acme\u{0007}") }
        #expect(try TenantOnboarding.validateName(" Acme ") == "Acme")
    }

    @Test("removing a tenant deletes its rows, domains and folder")
    func remove() throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
        let tenant = try onboarding.addTenant(.init(slug: "acme", name: "Acme", customDomains: ["portal.acme.example"]))

        try onboarding.removeTenant(slug: "acme")

        #expect(try platform.allTenants().isEmpty)
        #expect(try platform.domains(of: tenant.id).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: data.directory.tenantFolder(tenant.slug).path))
        #expect(throws: TenancyError.unknownTenant("acme")) { try onboarding.removeTenant(slug: "acme") }
    }

    @Test("resolution tries exact domains first, then one label under the base domain")
    func resolution() throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "portal.test")
        let acme = try onboarding.addTenant(.init(slug: "acme", name: "Acme", customDomains: ["acme.example"]))
        let snapshot = try platform.snapshot()

        #expect(snapshot.tenant(forHost: "acme.portal.test", baseDomain: "portal.test")?.id == acme.id)
        #expect(snapshot.tenant(forHost: "acme.example", baseDomain: "portal.test")?.id == acme.id)
        #expect(snapshot.tenant(forHost: "www.acme.portal.test", baseDomain: "portal.test") == nil)
        #expect(snapshot.tenant(forHost: "portal.test", baseDomain: "portal.test") == nil)
        #expect(snapshot.tenant(forHost: "acmeportal.test", baseDomain: "portal.test") == nil)
        #expect(snapshot.tenant(forHost: "globex.portal.test", baseDomain: "portal.test") == nil)
    }

    @Test("a change made through another connection is seen by reloadIfChanged")
    func crossProcessReload() async throws {
        let data = try TestDataDirectory()
        let serverSide = try PlatformDatabase(dataDirectory: data.directory)
        let registry = try TenantRegistry(database: serverSide, baseDomain: "localhost")
        let changes = ChangeCounter()
        registry.onChange { _, _ in changes.increment() }
        #expect(try await registry.reloadIfChanged() == false)

        let cliSide = try PlatformDatabase(dataDirectory: data.directory)
        let onboarding = TenantOnboarding(platform: cliSide, dataDirectory: data.directory, baseDomain: "localhost")
        try onboarding.addTenant(.init(slug: "acme", name: "Acme"))
        #expect(registry.tenant(forHost: "acme.localhost") == nil)

        #expect(try await registry.reloadIfChanged() == true)
        #expect(registry.tenant(forHost: "acme.localhost")?.name == "Acme")
        #expect(changes.value == 1)

        _ = try cliSide.setStatus(.suspended, slug: TenantSlug(validating: "acme"))
        try await registry.reloadIfChanged()
        #expect(registry.tenant(forHost: "acme.localhost")?.status == .suspended)
    }
}

final class ChangeCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
