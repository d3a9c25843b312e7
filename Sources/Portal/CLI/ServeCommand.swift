import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle
import Tenancy

/// `portal serve`: serves every tenant in the data folder.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every tenant in the data folder.",
        discussion: """
            Runs until SIGTERM or SIGINT, then finishes the requests in flight and closes the databases.

            Example:
              portal serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/portal --base-domain portal.example

            As one node of several (README "Running several nodes"):
              portal serve --registry postgres://portal@db:5432/portal --node node-1 \\
                --advertise http://10.0.0.11:8080 --host 0.0.0.0 --port 8080 --data-dir /var/lib/portal
            """
    )

    @OptionGroup var server: ServerOptions
    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        var configuration = try server.configuration()
        configuration.cluster = try cluster.resolvedCluster()
        let logger = Bootstrap.logger(level: try server.resolvedLogLevel(), format: try server.resolvedLogFormat())
        try await Bootstrap.serve(configuration, logger: logger) { [configuration] port, dependencies in
            let count = dependencies.registry.heldTenants.count
            let node = configuration.cluster.map { " as node \($0.node) of the cluster at \($0.registry)" } ?? ""
            Console.line(
                "portal \(PortalVersion.current) listening on http://\(configuration.host):\(port) "
                    + "serving \(count) tenant\(count == 1 ? "" : "s") from \(configuration.dataDirectory)\(node)")
        }
    }
}

/// What `serve` and `demo` share: logging set-up and running the application until a signal.
enum Bootstrap {
    static func logger(level: Logger.Level, format: LogFormat = .text) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = PortalLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "portal")
        logger.logLevel = level
        return logger
    }

    static func serve(
        _ configuration: PortalConfiguration,
        logger: Logger,
        announce: @escaping @Sendable (Int, PortalDependencies) async -> Void
    ) async throws {
        let dependencies: PortalDependencies
        do {
            dependencies = try await PortalDependencies.make(configuration, logger: logger)
        } catch let error as PortalError {
            throw CommandError(error.description)
        }
        let app = buildApplication(dependencies, logger: logger) { port in
            await announce(port, dependencies)
        }
        // The drain signal comes after the application, so a shutdown reaches it first: readiness turns 503 and,
        // for the drain delay, the server keeps answering before it stops taking connections.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app),
                    .init(service: DrainSignal(readiness: dependencies.readiness, delay: configuration.drainDelay)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { BufferedStandardOutput.shared.flush() }
        try await group.run()
    }
}
