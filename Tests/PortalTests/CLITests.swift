import ArgumentParser
import Foundation
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Runs `portal` in-process and captures what it prints.
struct CLI {
    let dataPath: String

    struct Outcome {
        let output: String
        let exitCode: Int32
        let errorMessage: String?
    }

    func run(_ arguments: [String]) async -> Outcome {
        let lines = Mutex<[String]>([])
        var exitCode: Int32 = 0
        var message: String?
        await Console.$sink.withValue({ line in lines.withLock { $0.append(line) } }) {
            do {
                try await PortalCommand.run(arguments: arguments + ["--data-dir", dataPath])
            } catch {
                exitCode = PortalCommand.exitCode(for: error).rawValue
                message = PortalCommand.message(for: error)
            }
        }
        return Outcome(output: lines.withLock { $0.joined(separator: "\n") }, exitCode: exitCode, errorMessage: message)
    }

    func registry() throws -> (tenants: [Tenant], revision: Int64) {
        let platform = try PlatformDatabase(dataDirectory: DataDirectory(path: dataPath))
        defer { try? platform.close() }
        return (try platform.allTenants(), try platform.revision())
    }
}

@Suite("Command line")
struct CLITests {
    @Test("add, list, show, suspend, resume and remove a tenant")
    func lifecycle() async throws {
        let folder = try TemporaryFolder()
        let cli = CLI(dataPath: folder.path)

        let added = await cli.run([
            "tenant", "add", "--slug", "acme", "--name", "Acme Hosting", "--domain", "portal.acme.example",
        ])
        #expect(added.exitCode == 0)
        #expect(added.output.contains("Created tenant acme (Acme Hosting)"))
        #expect(added.output.contains("primary  portal.acme.example"))
        #expect(FileManager.default.fileExists(atPath: folder.path + "/acme/tenant.sqlite"))

        let list = await cli.run(["tenant", "list"])
        #expect(list.output.contains("SLUG"))
        #expect(list.output.contains("acme  Acme Hosting  active"))
        #expect(list.output.contains("1 tenant"))

        let show = await cli.run(["tenant", "show", "--slug", "acme"])
        #expect(show.output.contains("Name:     Acme Hosting"))
        #expect(show.output.contains("portal.acme.example (custom, primary)"))
        #expect(show.output.contains("acme.localhost (platform)"))

        #expect(await cli.run(["tenant", "suspend", "--slug", "acme"]).output.contains("Suspended acme"))
        #expect(try cli.registry().tenants.first?.status == .suspended)
        #expect(await cli.run(["tenant", "suspend", "--slug", "acme"]).output.contains("already suspended"))
        #expect(await cli.run(["tenant", "resume", "--slug", "acme"]).output.contains("Resumed acme"))
        #expect(try cli.registry().tenants.first?.status == .active)

        let removed = await cli.run(["tenant", "remove", "--slug", "acme", "--yes"])
        #expect(removed.exitCode == 0)
        #expect(try cli.registry().tenants.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/acme"))
        #expect(await cli.run(["tenant", "list"]).output.contains("No tenants yet"))
    }

    @Test(
        "bad input gets a clear message, exit status 1 and no change",
        arguments: [
            (["tenant", "add", "--slug", "Acme!", "--name", "X"], "invalid slug"),
            (["tenant", "add", "--slug", "admin", "--name", "X"], "reserved"),
            (["tenant", "add", "--slug", "acme", "--name", "Again"], "already exists"),
            (
                ["tenant", "add", "--slug", "other", "--name", "X", "--domain", "portal.acme.example"],
                "already belongs"
            ),
            (["tenant", "add", "--slug", "other", "--name", "X", "--domain", "globex.localhost"], "base domain"),
            (["tenant", "add", "--slug", "other", "--name", "X", "--domain", "bad domain"], "invalid domain"),
            (["tenant", "add", "--slug", "other", "--name", "   "], "name is empty"),
            (["tenant", "show", "--slug", "nobody"], "no tenant"),
            (["tenant", "suspend", "--slug", "nobody"], "no tenant"),
            (["tenant", "resume", "--slug", "nobody"], "no tenant"),
            (["tenant", "remove", "--slug", "nobody", "--yes"], "no tenant"),
            (["tenant", "remove", "--slug", "acme"], "--yes"),
        ]
    )
    func badInput(arguments: [String], expected: String) async throws {
        let folder = try TemporaryFolder()
        let cli = CLI(dataPath: folder.path)
        #expect(
            await cli.run(["tenant", "add", "--slug", "acme", "--name", "Acme", "--domain", "portal.acme.example"])
                .exitCode == 0)
        let before = try cli.registry()

        let outcome = await cli.run(arguments)

        #expect(outcome.exitCode == 1)
        #expect(outcome.errorMessage?.contains(expected) == true, "\(outcome.errorMessage ?? "no message")")
        let after = try cli.registry()
        #expect(after.revision == before.revision)
        #expect(after.tenants == before.tenants)
        let folders = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            !$0.hasPrefix("platform") && $0 != ".template"
        }
        #expect(folders == ["acme"])
    }

    @Test("PORTAL_EXECUTOR: unset or empty means the event loops, `dispatch` Dispatch's pool, anything else is refused")
    func executorChoice() {
        #expect(PortalCommand.TaskExecutor(environment: nil) == .eventLoops)
        #expect(PortalCommand.TaskExecutor(environment: "event-loops") == .eventLoops)
        #expect(PortalCommand.TaskExecutor(environment: "dispatch") == .dispatch)
        #expect(PortalCommand.TaskExecutor(environment: "Dispatch") == nil)
        #expect(PortalCommand.TaskExecutor(environment: "nio") == nil)
    }

    @Test("a missing required option is a usage error")
    func usageErrors() async throws {
        let folder = try TemporaryFolder()
        let outcome = await CLI(dataPath: folder.path).run(["tenant", "add", "--name", "No Slug"])
        #expect(outcome.exitCode == ExitCode.validationFailure.rawValue)
        #expect(outcome.errorMessage?.contains("--slug") == true)
    }

    @Test(
        "every command's help has an example",
        arguments: [
            ["serve"], ["demo"], ["tenant"], ["tenant", "add"], ["tenant", "list"], ["tenant", "show"],
            ["tenant", "suspend"],
            ["tenant", "resume"], ["tenant", "remove"], ["migrate"],
        ])
    func help(path: [String]) throws {
        let command = try #require(PortalCommand.configuration.subcommands.first { $0._commandName == path[0] })
        let target =
            path.count == 1
            ? command
            : try #require(
                command.configuration.subcommands.first {
                    $0._commandName == path[1]
                })
        let help = PortalCommand.helpMessage(for: target)
        #expect(help.contains("Example"), "\(path)")
        #expect(help.contains("portal \(path.joined(separator: " "))"), "\(path)")
    }

    @Test("the root help lists every command")
    func rootHelp() {
        let help = PortalCommand.helpMessage()
        for command in ["serve", "demo", "tenant", "migrate"] {
            #expect(help.contains(command))
        }
        #expect(!help.contains("bench-prepare"))
    }

    @Test("migrate reports progress for every tenant")
    func migrate() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let outcome = await CLI(dataPath: folder.path).run(["migrate"])
        #expect(outcome.exitCode == 0)
        #expect(outcome.output.contains("[1/2] acme: up to date"))
        #expect(outcome.output.contains("[2/2] globex: up to date"))
    }

    @Test("the demo tenants are created once with their own brand, logo and products")
    func demoTenants() async throws {
        let folder = try TemporaryFolder()
        let dataDirectory = DataDirectory(path: folder.path)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: dataDirectory, baseDomain: "localhost")
        let demo = try DemoTenants(assetsDirectory: TestPaths.assets, dataDirectory: dataDirectory)

        let hasher = try PasswordHasher()
        #expect(
            try await demo.createMissing(using: onboarding, hasher: hasher).map(\.slug.rawValue) == ["acme", "globex"])
        #expect(try await demo.createMissing(using: onboarding, hasher: hasher).isEmpty)

        for slug in ["acme", "globex"] {
            let tenant = try #require(try platform.tenant(slug: TenantSlug(validating: slug)))
            let database = try TenantDatabase.open(
                path: dataDirectory.tenantDatabasePath(tenant.slug), tenantID: tenant.id)
            let (brand, catalogue) = try await database.storefront()
            #expect(catalogue.listed.count >= 4)
            #expect(
                catalogue.listed.allSatisfy { entry in
                    entry.prices.allSatisfy { $0.priceMinor >= $0.costMinor && $0.costMinor > 0 }
                })
            let owner = try #require(try await database.accounts.account(kind: .staff, email: "owner@\(slug).example"))
            #expect(owner.role == .owner)
            #expect(try await hasher.verify("\(slug)-owner-demo", against: owner.passwordHash, brand: "test"))
            #expect(try await database.accounts.account(kind: .customer, email: "customer@\(slug).example") != nil)
            let logo = try #require(brand.logoFile)
            #expect(
                FileManager.default.fileExists(atPath: dataDirectory.tenantAssetsFolder(tenant.slug).path + "/" + logo))
            try database.close()
        }
    }
}

@Suite("The portal executable")
struct ExecutableTests {
    static var executable: String? {
        let folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [folder.appendingPathComponent("portal").path]
        candidates.append(folder.deletingLastPathComponent().appendingPathComponent("portal").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func run(_ arguments: [String], environment: [String: String]) async throws -> (
        status: Int32, out: String, err: String
    ) {
        let executable = try #require(Self.executable)
        let process = try ChildProcess(
            executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            standardOutput: .capture, standardError: .capture)
        let (termination, output, error) = await process.run()
        guard case .exited(let status) = termination else {
            Issue.record("portal \(arguments.joined(separator: " ")) ended with \(termination)")
            return (-1, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
        }
        return (status, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }

    @Test("PORTAL_DATA_DIR is read when --data-dir is absent, and a duplicate exits 1 with a message")
    func environmentAndExitStatus() async throws {
        let folder = try TemporaryFolder()
        let environment = ["PORTAL_DATA_DIR": folder.path]
        let added = try await run(["tenant", "add", "--slug", "acme", "--name", "Acme"], environment: environment)
        #expect(added.status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.path + "/acme/tenant.sqlite"))

        let duplicate = try await run(["tenant", "add", "--slug", "acme", "--name", "Acme"], environment: environment)
        #expect(duplicate.status == 1)
        #expect(duplicate.err.contains("a tenant with the slug \"acme\" already exists"))

        let help = try await run(["--help"], environment: environment)
        #expect(help.status == 0)
        #expect(help.out.contains("serve") && help.out.contains("tenant") && help.out.contains("migrate"))
    }
}
