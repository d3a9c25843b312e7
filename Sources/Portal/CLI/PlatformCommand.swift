import ArgumentParser
import Foundation
import Tenancy

/// `portal platform …`: the people who run the platform itself.
struct PlatformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform",
        abstract: "Manage platform users, who sign in to the console on the platform host.",
        discussion: "Example:\n  portal platform add-user --email ops@example.com",
        subcommands: [AddUser.self]
    )

    struct AddUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-user",
            abstract: "Create a platform user and print a one-time link to set a password and two-factor.",
            discussion: """
                The link lasts 30 minutes. Platform users always sign in with a second factor.

                Example:
                  portal platform add-user --email ops@example.com --platform-host platform.localhost
                """
        )

        @Option(help: "The new platform user's email address.") var email: String
        @Option(
            name: .customLong("platform-host"),
            help: "Host of the platform console. (env: PORTAL_PLATFORM_HOST, default: platform.localhost)")
        var platformHost: String?
        @OptionGroup var data: DataOptions

        func run() async throws {
            let rawHost = platformHost ?? Environment.value("PORTAL_PLATFORM_HOST") ?? "platform.localhost"
            let host: String
            do {
                host = try HostName.normalize(rawHost)
            } catch {
                throw CommandError("invalid platform host \"\(rawHost)\": \(error)")
            }
            let platform = try TenantCLI.platform(data: data)
            defer { try? platform.close() }
            let email = self.email
            let token = try await platform.pool.write { db in
                try OwnerInvitation.create(in: db, kind: .platform, email: email)
            }
            Console.line("Created platform user \(EmailAddress.normalize(email) ?? email).")
            Console.line("Set a password and two-factor within 30 minutes at")
            Console.line(
                "  \(OwnerInvitation.link(host: host, path: SignInPaths.platform.acceptInvite.link(), token: token))")
        }
    }
}
