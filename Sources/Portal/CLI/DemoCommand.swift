import ArgumentParser
import Foundation
import Tenancy

/// `portal demo`: creates the two demo brands if they are missing, then serves.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create the demo tenants (Acme Hosting, Globex Web) if missing, then serve.",
        discussion: """
            Accepts the same options as `serve`. Existing tenants are left as they are.

            Example:
              portal demo --port 8080 --data-dir ./tenants
            """
    )

    @OptionGroup var server: ServerOptions

    func run() async throws {
        let configuration = try {
            var configuration = try server.configuration()
            configuration.showMailbox = true
            return configuration
        }()
        let logger = Bootstrap.logger(level: try server.resolvedLogLevel())
        let dataDirectory = DataDirectory(path: configuration.dataDirectory)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        let onboarding = TenantOnboarding(
            platform: platform,
            dataDirectory: dataDirectory,
            baseDomain: configuration.baseDomain
        )
        let demo = DemoTenants(assetsDirectory: configuration.assetsDirectory, dataDirectory: dataDirectory)
        let hasher = try PasswordHasher(parameters: configuration.passwordParameters)
        for created in try await demo.createMissing(using: onboarding, hasher: hasher) {
            Console.line("created demo tenant \(created.slug) (\(created.name))")
        }
        try platform.close()

        try await Bootstrap.serve(configuration, logger: logger) { port, dependencies in
            let snapshot = dependencies.registry.snapshot
            Console.line("")
            Console.line("Portal demo is running. Open:")
            for tenant in snapshot.tenantsByID.values.sorted(by: { $0.slug.rawValue < $1.slug.rawValue }) {
                let host = "\(tenant.slug).\(configuration.baseDomain)"
                let note = tenant.status == .active ? "" : "  (\(tenant.status.rawValue))"
                Console.line("  \(tenant.name.padding(toLength: 16, withPad: " ", startingAt: 0))  http://\(host):\(port)/\(note)")
            }
            Console.line("  Health            http://\(configuration.host):\(port)/health")
            Console.line("")
            Console.line("Demo sign-ins (as created; change them on the Security page):")
            for definition in DemoTenants.definitions {
                for login in DemoTenants.logins(for: definition.slug) {
                    let url = "http://\(definition.slug).\(configuration.baseDomain):\(port)\(login.path)"
                    Console.line("  \(login.role.padding(toLength: 8, withPad: " ", startingAt: 0))  \(login.email)  "
                        + "\(login.password)  \(url)")
                }
            }
            Console.line("Staff can read every email the demo would send at /admin/mailbox.")
            Console.line("Press Ctrl-C to stop.")
            Console.line("")
        }
    }
}
