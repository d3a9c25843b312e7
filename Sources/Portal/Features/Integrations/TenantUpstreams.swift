import Foundation
import Integrations
import Logging
import Tenancy

/// Each tenant's WHMCS and WHM clients, built from its own stored settings, and the mapping of its customers onto
/// its own client group and reseller. Nothing here takes a group id or reseller from a request: both come from the
/// tenant's settings only, so no input can place a customer under another brand.
package struct TenantUpstreams: Sendable {
    let databases: TenantDatabases
    let secrets: SecretBox
    let transport: UpstreamTransport
    let breakers: CircuitBreakers
    let timeouts: UpstreamTimeouts
    let logger: Logger
    /// Whether a tenant may use sandbox mode (loopback simulators). Off for `portal serve` unless asked for:
    /// otherwise any owner could make the server send requests to ports on its own machine.
    package let allowSandbox: Bool
    /// The registry, which keeps each client group and reseller to one brand.
    let registry: (any UpstreamClaimRegistry)?

    package init(
        databases: TenantDatabases, secrets: SecretBox, transport: UpstreamTransport = UpstreamHTTP.transport,
        breakers: CircuitBreakers = CircuitBreakers(), timeouts: UpstreamTimeouts = UpstreamTimeouts(), logger: Logger,
        allowSandbox: Bool, registry: (any UpstreamClaimRegistry)?
    ) {
        self.allowSandbox = allowSandbox
        self.registry = registry
        self.databases = databases
        self.secrets = secrets
        self.transport = transport
        self.breakers = breakers
        self.timeouts = timeouts
        self.logger = logger
    }

    /// Binds a sealed secret to its tenant and field, so it cannot be replayed elsewhere.
    static func context(_ tenant: Tenant, _ field: String) -> String { "tenant:\(tenant.slug)/\(field)" }

    /// The sealing context of an order's transfer authorisation code.
    static let transferCodeField = "order-transfer-code"
    /// The sealing context of a certificate's private key.
    static let certificateKeyField = "certificate-key"

    func seal(_ secret: String, _ tenant: Tenant, _ field: String) throws -> Data {
        try secrets.seal(secret, context: Self.context(tenant, field))
    }

    func open(_ sealed: Data, _ tenant: Tenant, _ field: String) throws -> String {
        try secrets.open(sealed, context: Self.context(tenant, field))
    }

    package func settings(of tenant: Tenant) async throws -> IntegrationSettings {
        try await databases.withDatabase(for: tenant) { try await $0.upstreams.settings() }
    }

    func caller(_ tenant: Tenant, _ upstream: Upstream, identifier: String, mode: IntegrationSettings.Mode)
        -> UpstreamCaller
    {
        var caller = UpstreamCaller(
            tenant: tenant.slug.rawValue, upstream: upstream, credentialIdentifier: identifier, transport: transport,
            breakers: breakers, timeouts: timeouts, logger: logger
        )
        caller.egress = egress(mode)
        return caller
    }

    /// Live brands reach public addresses only; a sandbox brand reaches the simulators on this machine, and only on
    /// a server started with `--sandbox-upstreams`.
    func egress(_ mode: IntegrationSettings.Mode) -> EgressPolicy {
        mode == .sandbox && allowSandbox ? .anyAddress : .publicOnly
    }

    /// Where the brand's own mail relay may be: by the same rule as its upstreams.
    package func relayEgress(of tenant: Tenant) async throws -> EgressPolicy {
        guard allowSandbox else { return .publicOnly }
        return egress(try await settings(of: tenant).mode)
    }

    /// The tenant's WHMCS client and client group; `notConfigured` until the owner has set them.
    package func whmcs(for tenant: Tenant) async throws -> (client: WHMCSClient, groupID: Int) {
        try whmcs(for: tenant, settings: try await settings(of: tenant))
    }

    func whmcs(for tenant: Tenant, settings: IntegrationSettings) throws -> (client: WHMCSClient, groupID: Int) {
        guard settings.mode == .live || allowSandbox else { throw UpstreamSettingsError.sandboxDisabled }
        guard settings.whmcsConfigured, let sealed = settings.whmcsSecret, let group = settings.whmcsGroupID else {
            throw UpstreamError.notConfigured(.whmcs)
        }
        let credentials = WHMCSCredentials(
            baseURL: settings.whmcsURL, identifier: settings.whmcsIdentifier,
            secret: try open(sealed, tenant, "whmcs.secret"),
            accessKey: try settings.whmcsAccessKey.map { try open($0, tenant, "whmcs.accesskey") }
        )
        return (
            WHMCSClient(
                credentials: credentials,
                caller: caller(tenant, .whmcs, identifier: settings.whmcsIdentifier, mode: settings.mode),
                currency: Currency(settings.brandCurrency)),
            group
        )
    }

    /// The tenant's WHM client, acting as the tenant's reseller.
    package func whm(for tenant: Tenant) async throws -> WHMClient {
        try whm(for: tenant, settings: try await settings(of: tenant))
    }

    func whm(for tenant: Tenant, settings: IntegrationSettings) throws -> WHMClient {
        guard settings.mode == .live || allowSandbox else { throw UpstreamSettingsError.sandboxDisabled }
        guard settings.whmConfigured, let sealed = settings.whmToken else { throw UpstreamError.notConfigured(.whm) }
        // Root's token only ever acts for one named reseller; the settings page refuses anything else, and so does this.
        guard settings.whmUser != "root" || !(settings.whmReseller.isEmpty || settings.whmReseller == "root") else {
            throw UpstreamError.notConfigured(.whm)
        }
        let credentials = WHMCredentials(
            baseURL: settings.whmURL, username: settings.whmUser, token: try open(sealed, tenant, "whm.token"),
            actingFor: settings.whmReseller
        )
        return WHMClient(
            credentials: credentials,
            caller: caller(tenant, .whm, identifier: settings.effectiveReseller, mode: settings.mode))
    }

    /// The tenant's 20i client; `notConfigured` until the owner has set it.
    package func twentyI(for tenant: Tenant) async throws -> TwentyIClient {
        try twentyI(for: tenant, settings: try await settings(of: tenant))
    }

    func twentyI(for tenant: Tenant, settings: IntegrationSettings) throws -> TwentyIClient {
        guard settings.mode == .live || allowSandbox else { throw UpstreamSettingsError.sandboxDisabled }
        guard settings.twentyIConfigured, let sealed = settings.twentyIKey else {
            throw UpstreamError.notConfigured(.twentyI)
        }
        return TwentyIClient(
            credentials: TwentyICredentials(
                baseURL: settings.twentyIURL, generalKey: try open(sealed, tenant, "twentyi.key")),
            caller: caller(tenant, .twentyI, identifier: "general-key", mode: settings.mode)
        )
    }

    /// The tenant's TheSSLStore client; `notConfigured` until the owner has set it.
    package func sslStore(for tenant: Tenant) async throws -> SSLStoreClient {
        try sslStore(for: tenant, settings: try await settings(of: tenant))
    }

    func sslStore(for tenant: Tenant, settings: IntegrationSettings) throws -> SSLStoreClient {
        guard settings.mode == .live || allowSandbox else { throw UpstreamSettingsError.sandboxDisabled }
        guard settings.sslStoreConfigured, let sealed = settings.sslStoreToken else {
            throw UpstreamError.notConfigured(.sslStore)
        }
        return SSLStoreClient(
            credentials: SSLStoreCredentials(
                baseURL: settings.sslStoreURL, partnerCode: settings.sslStorePartner,
                authToken: try open(sealed, tenant, "sslstore.token")
            ),
            caller: caller(tenant, .sslStore, identifier: settings.sslStorePartner, mode: settings.mode)
        )
    }

    /// Forgets the failure history of the tenant's upstreams: new settings deserve a fresh start.
    func resetBreakers(_ tenant: Tenant) {
        for upstream in Upstream.allCases {
            breakers.recordSuccess(.init(tenant: tenant.slug.rawValue, upstream: upstream.rawValue))
        }
    }

    // MARK: Connection test

    /// The outcome of one harmless authenticated call.
    package struct ConnectionCheck: Sendable, Equatable {
        package var upstream: Upstream
        package var configured: Bool
        /// Nil when the upstream answered.
        package var failure: String?

        package var succeeded: Bool { configured && failure == nil }
    }

    /// Checks what a live set-up needs of each configured upstream, with harmless calls, and reports each problem
    /// with its fix: WHMCS's API role allows every action the portal uses, the client group and the brand's currency
    /// exist; the WHM reseller holds every privilege the portal needs and has the catalogue's packages; the 20i key
    /// reaches the reseller and the services the catalogue sells there (cloud servers, domains); TheSSLStore's partner code is accepted, at the service (sandbox or live) the mode means.
    package func testConnections(_ tenant: Tenant) async -> [ConnectionCheck] {
        let checks = await readinessChecks(tenant)
        // The probes may have met refusals on purpose; they say nothing about the upstream's health.
        resetBreakers(tenant)
        return checks
    }

    private func readinessChecks(_ tenant: Tenant) async -> [ConnectionCheck] {
        let settings: IntegrationSettings
        do {
            settings = try await self.settings(of: tenant)
        } catch {
            return [Upstream.whmcs, .whm].map {
                ConnectionCheck(upstream: $0, configured: false, failure: "settings could not be read")
            }
        }
        var checks: [ConnectionCheck] = []
        if settings.whmcsConfigured {
            do {
                let (client, group) = try whmcs(for: tenant, settings: settings)
                var problems: [String] = []
                if !(try await client.clientGroups()).contains(where: { $0.id == group }) {
                    problems.append("client group \(group) does not exist in WHMCS (Setup › Client Groups)")
                }
                let currency = try await databases.withDatabase(for: tenant) {
                    try await $0.storefront().brand.currency
                }
                if !(try await client.currencies()).contains(where: { $0.code == currency.uppercased() }) {
                    problems.append("WHMCS has no \(currency) currency (Setup › Payments › Currencies)")
                }
                let refused = try await client.refusedActions()
                if !refused.isEmpty {
                    problems.append(
                        "the API credential's role does not allow \(refused.joined(separator: ", ")) "
                            + "(System Settings › API Roles)")
                }
                checks.append(
                    ConnectionCheck(
                        upstream: .whmcs, configured: true,
                        failure: problems.isEmpty ? nil : problems.joined(separator: "; ")))
            } catch {
                checks.append(
                    ConnectionCheck(
                        upstream: .whmcs, configured: true, failure: Self.describe(error, at: settings.whmcsURL)))
            }
        } else {
            checks.append(ConnectionCheck(upstream: .whmcs, configured: false, failure: "not configured"))
        }
        if settings.whmConfigured {
            do {
                let whm = try whm(for: tenant, settings: settings)
                var problems: [String] = []
                let missing = try await whm.missingPrivileges()
                if !missing.isEmpty {
                    problems.append(
                        "the reseller lacks the privileges \(missing.joined(separator: ", ")) "
                            + "(WHM › Edit Reseller Nameservers and Privileges)")
                }
                let packages = Set(try await whm.packages().map(\.name))
                let wanted = try await databases.withDatabase(for: tenant) { database in
                    try await database.catalogue.entries([.visible, .hidden]).compactMap(\.product.whmPackage)
                }
                let absent = Set(wanted.map { whm.packageName($0) }).subtracting(packages).sorted()
                if !absent.isEmpty {
                    problems.append(
                        "WHM has no package \(absent.joined(separator: ", ")) (create it, or sync the catalogue)")
                }
                checks.append(
                    ConnectionCheck(
                        upstream: .whm, configured: true,
                        failure: problems.isEmpty ? nil : problems.joined(separator: "; ")))
            } catch {
                checks.append(
                    ConnectionCheck(
                        upstream: .whm, configured: true, failure: Self.describe(error, at: settings.whmURL)))
            }
        } else {
            checks.append(ConnectionCheck(upstream: .whm, configured: false, failure: "not configured"))
        }
        // 20i and TheSSLStore are optional: listed only once configured.
        if settings.twentyIConfigured {
            do {
                let client = try twentyI(for: tenant, settings: settings)
                try await client.checkConnection()
                let kinds = try await databases.withDatabase(for: tenant) { database in
                    Set(try await database.catalogue.entries([.visible, .hidden]).map(\.product.kind))
                }
                var problems: [String] = []
                // What the catalogue sells through 20i must be readable with this key: a key limited to other
                // services answers 401/403 there while the reseller itself answers.
                if kinds.contains(.cloudServer), await Self.refused({ _ = try await client.cloudServers() }) {
                    problems.append(
                        "the key cannot reach managed cloud servers (enable Managed Cloud Hosting on the 20i account "
                            + "and allow the key to use it)")
                }
                if kinds.contains(.domain), await Self.refused({ _ = try await client.domains() }) {
                    problems.append("the key cannot reach domains (allow the key to manage domains in 20i)")
                }
                checks.append(
                    ConnectionCheck(
                        upstream: .twentyI, configured: true,
                        failure: problems.isEmpty ? nil : problems.joined(separator: "; ")))
            } catch {
                checks.append(
                    ConnectionCheck(
                        upstream: .twentyI, configured: true, failure: Self.describe(error, at: settings.twentyIURL)))
            }
        }
        if settings.sslStoreConfigured {
            do {
                try await sslStore(for: tenant, settings: settings).checkConnection()
                let sandboxService = settings.sslStoreURL.lowercased().contains("sandbox")
                let failure: String? =
                    switch settings.mode {
                    case .live where sandboxService:
                        "the address is TheSSLStore's sandbox, which issues no real certificates; live mode needs "
                            + "https://api.thesslstore.com"
                    default: nil
                    }
                checks.append(ConnectionCheck(upstream: .sslStore, configured: true, failure: failure))
            } catch {
                checks.append(
                    ConnectionCheck(
                        upstream: .sslStore, configured: true, failure: Self.describe(error, at: settings.sslStoreURL)))
            }
        }
        return checks
    }

    /// Whether a read was refused (the key lacks the right, or the service is not on the account); other failures
    /// belong to the connection as a whole and were already reported by the first call.
    static func refused(_ read: () async throws -> Void) async -> Bool {
        do {
            try await read()
            return false
        } catch UpstreamError.authenticationFailed, UpstreamError.apiError {
            return true
        } catch {
            return false
        }
    }

    /// What a customer reads when a vendor refuses their change: the vendor's reason when it gave one, never
    /// credentials, addresses or statuses.
    static func refusal(_ error: any Error, _ lead: String) -> String {
        if case UpstreamError.apiError(_, _, let message) = error {
            return tr("upstream.refused", ["lead": lead, "reason": message])
        }
        return tr("upstream.unavailable", ["lead": lead])
    }

    /// What an owner reads for a failed check. A failure below HTTP (no connection, a dropped one, a timeout) reads
    /// only "could not connect to" and the host: a settings form must not tell anyone which hosts
    /// and ports answer, and how. The caller's log line keeps the reason.
    static func describe(_ error: any Error, at url: String) -> String {
        switch error as? UpstreamError {
        case .unreachable, .connectionLost, .addressRefused, .timedOut:
            "could not connect to \(URLComponents(string: url)?.host ?? url)"
        default:
            describe(error)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? UpstreamError { return error.description }
        if let error = error as? UpstreamSettingsError { return error.description }
        if error is SecretBox.SecretError {
            return "the stored secret cannot be decrypted with this master key; enter it again"
        }
        if let error = error as? UpstreamMappingError { return error.description }
        if let error = error as? SyncProblem { return error.description }
        if let error = error as? CatalogueError { return error.description }
        return "unexpected error"
    }
}

/// Settings that exist but may not be used on this server.
package enum UpstreamSettingsError: Error, Equatable, CustomStringConvertible {
    case sandboxDisabled

    package var description: String {
        switch self {
        case .sandboxDisabled: "sandbox mode is not enabled on this server; switch the brand to live"
        }
    }
}
