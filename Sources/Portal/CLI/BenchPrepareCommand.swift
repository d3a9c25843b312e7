import ArgumentParser
import Branding
import Foundation
import Tenancy

/// `portal bench-prepare`: fills a data folder with many small tenants for `make bench`.
struct BenchPrepareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-prepare",
        abstract: "Create N benchmark tenants (b00001 …) with a brand, three products and a signed-in customer each.",
        discussion: "Example:\n  portal bench-prepare --tenants 10000 --data-dir /tmp/portal-bench",
        shouldDisplay: false
    )

    @Option(help: "How many tenants to create.") var tenants = 10_000
    @Option(
        name: .customLong("office-customers"),
        help: "Also create the back-office tenant `office` with this many customers (0: none).")
    var officeCustomers = 0
    @Option(
        name: .customLong("office-services"),
        help: "How many services the back-office tenant's customers hold between them.")
    var officeServices = 50_000
    @OptionGroup var data: DataOptions
    @OptionGroup var domain: DomainOptions

    func run() async throws {
        guard (1...999_999).contains(tenants) else { throw CommandError("--tenants must be between 1 and 999999") }
        let dataDirectory = DataDirectory(path: data.resolvedDataDir)
        let onboarding = TenantOnboarding(
            platform: try PlatformDatabase(dataDirectory: dataDirectory),
            dataDirectory: dataDirectory,
            baseDomain: try domain.resolvedBaseDomain()
        )
        defer { try? onboarding.platform.close() }
        let existing = Set(try onboarding.platform.allTenants().map(\.slug.rawValue))
        let start = ContinuousClock.now
        var created = 0
        var onboardingTime = Duration.zero
        // Tenants are created by a few workers at once (each onboarding is independent; the registry serialises its
        // own short writes), in batches so progress is reported in order.
        let workers = 4
        for batch in stride(from: 1, through: tenants, by: 500) {
            let numbers = (batch...min(batch + 499, tenants)).filter { !existing.contains(BenchTenants.slug($0)) }
            let timings = try await withThrowingTaskGroup(of: Duration.self) { group in
                var pending = numbers[...]
                var total = Duration.zero
                func next() {
                    guard let number = pending.popFirst() else { return }
                    group.addTask {
                        try await BlockingIO.run {
                            let started = ContinuousClock.now
                            try onboarding.addTenant(
                                .init(slug: BenchTenants.slug(number), name: "Bench Brand \(number)")
                            ) {
                                database, _ in
                                try BenchTenants.seed(database, number: number)
                            }
                            return started.duration(to: .now)
                        }
                    }
                }
                for _ in 0..<workers { next() }
                while let took = try await group.next() {
                    total += took
                    next()
                }
                return total
            }
            created += numbers.count
            onboardingTime += timings
            let done = min(batch + 499, tenants)
            Console.line(
                "bench-prepare: \(done)/\(tenants) tenants ready (\(start.duration(to: .now).components.seconds) s)")
        }
        let wall = start.duration(to: .now) / .milliseconds(1)
        let each = created == 0 ? 0 : onboardingTime / .milliseconds(1) / Double(created)
        Console.line(
            "bench-prepare: created \(created), kept \(tenants - created) in \(dataDirectory.root.path): "
                + String(
                    format:
                        "%.1f ms of wall time per tenant; each onboarding (with its seed) took %.1f ms, %d at a time",
                    created == 0 ? 0 : wall / Double(created), each, workers))
        if officeCustomers > 0, !existing.contains(BenchTenants.office) {
            let started = ContinuousClock.now
            let (customers, services) = (officeCustomers, officeServices)
            try onboarding.addTenant(.init(slug: BenchTenants.office, name: "Bench Office")) { database, _ in
                try BenchTenants.seed(database, number: 0)
                try BenchTenants.seedOffice(database, customers: customers, services: services)
            }
            Console.line(
                "bench-prepare: back-office tenant \(BenchTenants.office) with \(customers) customers and \(services) services"
                    + " in \(started.duration(to: .now).components.seconds) s"
            )
        }
    }
}

/// The shape of the benchmark tenants: distinct names, colours and prices per tenant.
enum BenchTenants {
    static func slug(_ number: Int) -> String {
        "b" + String(number).leftPadded(to: 5).replacingOccurrences(of: " ", with: "0")
    }

    static func seed(_ database: TenantDatabase, number: Int) throws {
        let hue = (number * 37) % 200
        try database.updateBrandNow { brand in
            brand.tagline = "Hosting brand number \(number)"
            brand.primaryColor =
                (try? HexColor(String(format: "#%02x%02x%02x", 20 + hue / 2, 40, 120 + hue / 4)))
                ?? brand.primaryColor
        }
        try BenchData.seedCatalogue(database, number: number, customerSession: SecureToken.hash(sessionToken(number)))
    }

    /// The back-office benchmark tenant.
    static let office = "office"
    /// The session cookie value of the back-office tenant's owner.
    static let officeStaffToken = "bench-staff-session-0123456789abcdef0123456789"

    /// Many customers with services, invoices, orders and tickets, and a signed-in owner (no second factor asked).
    static func seedOffice(_ database: TenantDatabase, customers: Int, services: Int) throws {
        try BenchData.seedOffice(
            database, customers: customers, services: services, ownerSession: SecureToken.hash(officeStaffToken))
    }

    /// The session cookie value of tenant `number`'s benchmark customer (`__Host-session`).
    static func sessionToken(_ number: Int) -> String { "bench-session-\(number)-0123456789abcdef0123456789" }
}
