import ArgumentParser
import Cluster
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

                In a cluster, pass the shared registry: the user is created there and every node copies it.

                Example:
                  portal platform add-user --email ops@example.com --platform-host platform.localhost
                  portal platform add-user --email ops@example.com --registry postgres://portal@db:5432/portal
                """
        )

        @Option(help: "The new platform user's email address.") var email: String
        @Option(
            name: .customLong("platform-host"),
            help: "Host of the platform console. (env: PORTAL_PLATFORM_HOST, default: platform.localhost)")
        var platformHost: String?
        @OptionGroup var data: DataOptions
        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            let rawHost = platformHost ?? Environment.value("PORTAL_PLATFORM_HOST") ?? "platform.localhost"
            let host: String
            do {
                host = try HostName.normalize(rawHost)
            } catch {
                throw CommandError("invalid platform host \"\(rawHost)\": \(error)")
            }
            let email = self.email
            let token: String
            if try registry.resolvedRegistry() != nil {
                token = try await Self.createShared(email: email, registry: registry)
            } else {
                let platform = try TenantCLI.platform(data: data)
                defer { try? platform.close() }
                try TenantCLI.refuseLocalChange(platform)
                token = try await platform.pool.write { db in
                    try OwnerInvitation.create(in: db, kind: .platform, email: email)
                }
            }
            Console.line("Created platform user \(EmailAddress.normalize(email) ?? email).")
            Console.line("Set a password and two-factor within 30 minutes at")
            Console.line(
                "  \(OwnerInvitation.link(host: host, path: SignInPaths.platform.acceptInvite.link(), token: token))")
        }

        /// Creates the user in the shared registry with the id it hands out; every node copies it from there.
        static func createShared(email: String, registry options: RegistryOptions) async throws -> String {
            guard let normalized = EmailAddress.normalize(email) else {
                throw CommandError("\"\(email)\" is not an email address")
            }
            return try await ClusterCommand.withRegistry(options) { registry in
                do {
                    return try await registry.createPlatformUser(
                        email: normalized, action: "owner.invited", detail: "cli"
                    ) { id in
                        let (document, token) = try PlatformRealmCopy.newAccount(id: id) { db in
                            try OwnerInvitation.create(in: db, kind: .platform, email: normalized)
                        }
                        return (document, token)
                    }
                } catch AccountError.emailTaken {
                    throw CommandError("\(normalized) is already a platform user")
                }
            }
        }
    }
}
