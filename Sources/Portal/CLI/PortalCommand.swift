import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `portal`: the white-label hosting portal server and its administration commands.
package struct PortalCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "A white-label, multi-tenant hosting portal: one server, many reseller brands.",
        discussion: """
            Each request's hostname picks the tenant: its own database, brand and catalogue.
            Every option can also be set with an environment variable, named beside it.

            Examples:
              portal demo
              portal tenant add --slug acme --name "Acme Hosting" --domain portal.acme.example
              portal serve --port 8080 --data-dir /var/lib/portal
              portal sandbox --whmcs-port 9001 --whm-port 9002
            """,
        version: PortalVersion.current,
        subcommands: [
            ServeCommand.self,
            DemoCommand.self,
            TenantCommand.self,
            PlatformCommand.self,
            SandboxCommand.self,
            MigrateCommand.self,
            BackupCommand.self,
            BenchPrepareCommand.self,
            RegistryCommand.self,
            ClusterCommand.self,
        ]
    )

    package init() {}

    /// Where Swift concurrency's tasks run, chosen by `PORTAL_EXECUTOR` when the process starts.
    package enum TaskExecutor: String, CaseIterable, Sendable {
        /// NIO's event loops, which Hummingbird serves on: a request's handler resumes on the thread that read it and
        /// writes its response without a hop to another thread and back. The default.
        case eventLoops = "event-loops"
        /// Dispatch's pool, Swift's own global executor.
        case dispatch

        /// The executor `PORTAL_EXECUTOR` names (unset or empty: the event loops); nil for any other value.
        package init?(environment value: String?) {
            guard let value else {
                self = .eventLoops
                return
            }
            self.init(rawValue: value)
        }
    }

    /// Installs the chosen executor. Call first, on the main thread, before any task is started; an unknown
    /// `PORTAL_EXECUTOR` stops the process with a usage error rather than run on a guess.
    package static func prepareConcurrency() {
        switch TaskExecutor(environment: Environment.value("PORTAL_EXECUTOR")) {
        case .eventLoops:
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        case .dispatch:
            break
        case nil:
            let names = TaskExecutor.allCases.map(\.rawValue).joined(separator: " or ")
            Self.exit(withError: ValidationError("PORTAL_EXECUTOR must be \(names)."))
        }
    }

    /// The entry point of the `portal` executable.
    package static func runFromCommandLine() async {
        await main()
    }

    /// Parses and runs a command line in-process; tests use this with a captured `Console`.
    package static func run(arguments: [String]) async throws {
        var command = try parseAsRoot(arguments)
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }
}
