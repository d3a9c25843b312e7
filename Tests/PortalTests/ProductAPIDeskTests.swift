import Foundation
import Integrations
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// An in-memory WHM reseller's packages: what was added and edited, and names it refuses.
final class InMemoryPackages: HostingPackages {
    let reseller = "racme"
    private let state = Mutex<(calls: [String], refused: Set<String>)>(([], []))

    var calls: [String] { state.withLock { $0.calls } }
    func refuse(_ name: String) { state.withLock { _ = $0.refused.insert(name) } }

    func packageName(_ name: String) -> String { "racme_\(name)" }

    func addPackage(_ spec: WHMPackageSpec) async throws -> String {
        try take("add \(spec.name) \(spec.diskMB.map(String.init) ?? "unlimited")", spec.name)
        return packageName(spec.name)
    }

    func editPackage(_ spec: WHMPackageSpec) async throws {
        try take("edit \(spec.name) \(spec.diskMB.map(String.init) ?? "unlimited")", spec.name)
    }

    private func take(_ call: String, _ name: String) throws {
        try state.withLock { state in
            if state.refused.contains(name) {
                throw UpstreamError.apiError(.whm, action: "addpkg", message: "Sorry, the package exists")
            }
            state.calls.append(call)
        }
    }
}

/// The product API's use cases without HTTP: catalogue changes pushed through a recorded sync, and WHM packages on
/// an in-memory reseller.
@Suite("Product API desks")
struct ProductAPIDeskTests {
    /// Records what was pushed to WHMCS and answers each with `success`.
    final class RecordedSync: Sendable {
        private let state = Mutex<(pushed: [String], succeeds: Bool)>(([], true))
        var pushed: [String] { state.withLock { $0.pushed } }
        func succeed(_ succeeds: Bool) { state.withLock { $0.succeeds = succeeds } }

        func run(_ operation: ProductSync.Operation, _ entries: [CatalogueEntry]) -> ProductSync.Report {
            state.withLock { state in
                state.pushed += entries.map { "\(operation.rawValue) \($0.product.slug)" }
                let results = entries.map {
                    ProductSync.Outcome(
                        slug: $0.product.slug, title: $0.product.name, success: state.succeeds,
                        whmcsProductId: state.succeeds ? 40 : nil, error: state.succeeds ? nil : "WHMCS is down")
                }
                return ProductSync.Report(
                    success: state.succeeds, successCount: state.succeeds ? results.count : 0,
                    errorCount: state.succeeds ? 0 : results.count, results: results)
            }
        }
    }

    static func importer(_ dependencies: PortalDependencies, _ sync: RecordedSync, invalidated: Counter = Counter())
        -> CatalogueImport
    {
        CatalogueImport(
            databases: dependencies.databases, rules: dependencies.catalogueRules,
            sync: { operation, entries, _, _, _ in sync.run(operation, entries) },
            invalidate: { _ in invalidated.add() }, logger: .init(label: "test"))
    }

    static func body(_ json: String) throws -> ProductAPIWire.ProductsBody {
        try JSONDecoder().decode(ProductAPIWire.ProductsBody.self, from: Data(json.utf8))
    }

    static let starter = #"""
        {"slug": "starter", "title": "Starter", "diskMB": 10240, "whmPackage": "starter",
         "pricing": [{"billingCycle": "monthly", "price": "2.99"}]}
        """#

    @Test("valid plans are saved and pushed; a refused plan is reported beside them and saves nothing")
    func addPlans() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let sync = RecordedSync()
            let invalidated = Counter()
            let importer = Self.importer(dependencies, sync, invalidated: invalidated)
            let body = try Self.body(
                #"{"blockType": "planWithHDD", "plans": [\#(Self.starter), {"slug": "pro", "pricing": []}]}"#)

            let batch = try await importer.apply(.add, body, in: acme, key: "abcd", ip: "").get()
            #expect(batch.refused && !batch.upstreamFailed)
            #expect(batch.results.map(\.slug) == ["pro", "starter"])  // refusals first, then what WHMCS answered
            #expect(batch.results.first?.error == "missing field \"title\"")
            #expect(sync.pushed == ["upsert starter"] && invalidated.value == 1)
            let (starter, pro) = try await dependencies.databases.withDatabase(for: acme) {
                (try await $0.catalogue.entry(slug: "starter"), try await $0.catalogue.entry(slug: "pro"))
            }
            #expect(starter?.prices.first?.priceMinor == 299 && pro == nil)

            let again = try await importer.apply(.add, body, in: acme, key: "abcd", ip: "").get()
            #expect(again.results.first { $0.slug == "starter" }?.error?.contains("use /api/products/update") == true)
        }
    }

    @Test("a deleted plan is retired once WHMCS lets it go; a WHMCS failure is reported as such and keeps it")
    func deletePlans() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let sync = RecordedSync()
            let importer = Self.importer(dependencies, sync)
            let add = try Self.body(#"{"blockType": "planWithHDD", "plans": [\#(Self.starter)]}"#)
            _ = try await importer.apply(.add, add, in: acme, key: "abcd", ip: "").get()
            let delete = try Self.body(#"{"plans": [{"slug": "starter"}, {"slug": "ghost"}]}"#)

            sync.succeed(false)
            let failed = try await importer.apply(.delete, delete, in: acme, key: "abcd", ip: "").get()
            #expect(failed.upstreamFailed && failed.refused)
            func visibility() async throws -> Product.Visibility? {
                try await dependencies.databases.withDatabase(for: acme) {
                    try await $0.catalogue.entry(slug: "starter")?.product.visibility
                }
            }
            #expect(try await visibility() == .visible)
            sync.succeed(true)
            let deleted = try await importer.apply(.delete, delete, in: acme, key: "abcd", ip: "").get()
            #expect(!deleted.upstreamFailed && deleted.refused)
            #expect(deleted.results.map(\.slug) == ["ghost", "starter"])
            #expect(try await visibility() == .retired)
            #expect(sync.pushed == ["upsert starter", "delete starter", "delete starter"])
        }
    }

    @Test("another product group is refused whole; another brand's plans are not touched")
    func groupsAndIsolation() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let sync = RecordedSync()
            let importer = Self.importer(dependencies, sync)
            let wrong = try Self.body(#"{"blockType": "planWithHDD", "whmcsGid": 99, "plans": [\#(Self.starter)]}"#)

            let refusal = try await importer.apply(.add, wrong, in: acme, key: "abcd", ip: "")
            #expect(throws: APIRefusal.self) { try refusal.get() }
            #expect(sync.pushed.isEmpty)

            let add = try Self.body(#"{"blockType": "planWithHDD", "plans": [\#(Self.starter)]}"#)
            _ = try await importer.apply(.add, add, in: acme, key: "abcd", ip: "").get()
            let update = try await importer.apply(.update, add, in: globex, key: "wxyz", ip: "").get()
            #expect(update.results.first?.error == "no product has the slug \"starter\"; use /api/products/add")
            let globexStarter = try await dependencies.databases.withDatabase(for: globex) {
                try await $0.catalogue.entry(slug: "starter")
            }
            #expect(globexStarter == nil)
        }
    }

    @Test("packages are made under the brand's reseller; bad names and WHM refusals are reported; the call is audited")
    func packages() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let whm = InMemoryPackages()
            whm.refuse("taken")
            let desk = PackageDesk(databases: dependencies.databases, whm: { _ in whm }, logger: .init(label: "test"))
            let packages =
                try JSONDecoder().decode(
                    ProductAPIWire.PackagesBody.self,
                    from: Data(
                        #"{"packages": [{"name": "gold", "diskMB": 5000}, {"name": "bad name"}, {"name": "taken"}]}"#
                            .utf8)
                ).packages ?? []

            let batch = try await desk.apply(add: true, packages, in: acme, key: "abcd", ip: "192.0.2.1").get()
            #expect(batch.refused && batch.upstreamFailed)
            #expect(batch.results.map(\.title) == ["racme_gold", "bad name", "racme_taken"])
            #expect(batch.results.map(\.success) == [true, false, false])
            #expect(whm.calls == ["add gold 5000"])
            let audit = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.accounts.auditEntries(action: "package.added")
            }
            #expect(audit.map(\.detail) == ["api key …abcd"])

            let unconfigured = PackageDesk(
                databases: dependencies.databases,
                whm: { _ in throw UpstreamSettingsError.sandboxDisabled }, logger: .init(label: "test"))
            let refusal = try await unconfigured.apply(add: true, packages, in: acme, key: "abcd", ip: "")
            #expect(throws: APIRefusal.self) { try refusal.get() }
        }
    }
}
