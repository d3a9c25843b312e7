import Foundation
import GRDB

/// Creates, suspends and removes tenants: registry rows, folder and database as one unit.
package struct TenantOnboarding: Sendable {
    package let platform: PlatformDatabase
    package let dataDirectory: DataDirectory
    package let baseDomain: String

    package init(platform: PlatformDatabase, dataDirectory: DataDirectory, baseDomain: String) {
        self.platform = platform
        self.dataDirectory = dataDirectory
        self.baseDomain = baseDomain
    }

    /// What `addTenant` needs; validated before anything is written.
    package struct NewTenant: Sendable {
        package var slug: String
        package var name: String
        package var customDomains: [String]
        /// Custom domains still waiting for their DNS proof, with their verification tokens (brought back by an import).
        package var pendingDomains: [String: String] = [:]

        package init(slug: String, name: String, customDomains: [String] = []) {
            self.slug = slug
            self.name = name
            self.customDomains = customDomains
        }
    }

    /// Creates the tenant's folder and database, then its registry rows; any failure leaves nothing behind.
    ///
    /// `prepare` runs on the new database, with the tenant's (still staging) folder, before the tenant
    /// becomes visible; the demo seeds brand, logo and products there.
    @discardableResult
    package func addTenant(
        _ request: NewTenant,
        prepare: (TenantDatabase, URL) throws -> Void = { _, _ in }
    ) throws -> Tenant {
        let slug = try TenantSlug(validating: request.slug)
        return try register(request) { staging in
            let database = try TenantDatabase.create(
                path: staging.appendingPathComponent("tenant.sqlite").path, slug: slug,
                templates: dataDirectory.templatesFolder)
            defer { try? database.close() }
            try prepare(database, staging)
        }
    }

    /// Registers a tenant whose folder `stage` fills (a new database, or one brought back from an archive),
    /// with the given status; the folder and the registry rows appear together or not at all.
    ///
    /// `platformHostIsPrimary` keeps `<slug>.<base domain>` primary even when custom domains are given.
    /// This writes `platform.sqlite` directly; a node of a cluster uses `register(_:writer:…)`.
    @discardableResult
    package func register(
        _ request: NewTenant,
        status: Tenant.Status = .active,
        platformHostIsPrimary: Bool = false,
        stage: (URL) throws -> Void
    ) throws -> Tenant {
        let staged = try self.stage(request, status: status, platformHostIsPrimary: platformHostIsPrimary, stage)
        defer { staged.discard() }
        return try staged.finish { registration, moveIntoPlace in
            try LocalRegistryWriter(platform: platform).registerNow(registration, beforeCommit: moveIntoPlace)
        }
    }

    /// `register` through `writer`: the shared registry of a cluster, or this node's own. The folder is staged on
    /// the blocking pool.
    @discardableResult
    package func register(
        _ request: NewTenant,
        writer: any RegistryWriter,
        status: Tenant.Status = .active,
        platformHostIsPrimary: Bool = false,
        stage: @escaping @Sendable (URL) throws -> Void
    ) async throws -> Tenant {
        let staged = try await BlockingIO.run { [self] in
            try self.stage(request, status: status, platformHostIsPrimary: platformHostIsPrimary, stage)
        }
        defer { staged.discard() }
        let tenant = try await writer.register(staged.registration) { try staged.moveIntoPlace() }
        return try staged.finished(tenant)
    }

    /// A tenant's folder built in a hidden staging folder, with the rows it is to be registered with.
    ///
    /// The folder moves into place inside the registry transaction, so a crash or an error at any step leaves
    /// neither a half-made folder nor rows.
    package final class StagedTenant: @unchecked Sendable {
        package let registration: TenantRegistration
        let staging: URL
        let folder: URL
        let root: URL
        private(set) var movedIntoPlace = false
        private var registered = false

        init(registration: TenantRegistration, staging: URL, folder: URL, root: URL) {
            self.registration = registration
            self.staging = staging
            self.folder = folder
            self.root = root
        }

        /// Moves the staged folder to its place and makes the move durable; called just before the commit.
        func moveIntoPlace() throws {
            try FileManager.default.moveItem(at: staging, to: folder)
            movedIntoPlace = true
            try DurableFolder.syncEntries(of: root)
        }

        /// Runs `write` (which calls `moveIntoPlace` before committing); a failure takes the folder away again.
        func finish(_ write: (TenantRegistration, () throws -> Void) throws -> Tenant) throws -> Tenant {
            do {
                return try finished(try write(registration, moveIntoPlace))
            } catch {
                undoMove()
                throw error
            }
        }

        func finished(_ tenant: Tenant) throws -> Tenant {
            guard movedIntoPlace else { throw TenancyError.storage("the tenant's folder was not moved into place") }
            registered = true
            return tenant
        }

        private func undoMove() {
            // The rows were rolled back after the folder moved: take the folder away again.
            if movedIntoPlace { try? FileManager.default.removeItem(at: folder) }
            movedIntoPlace = false
        }

        /// Removes whatever is left of an unregistered tenant: the staging folder, or the moved one.
        func discard() {
            guard !registered else { return }
            undoMove()
            try? FileManager.default.removeItem(at: staging)
        }
    }

    /// Validates `request`, then builds the tenant's folder with `stage` in a staging folder and syncs it.
    package func stage(
        _ request: NewTenant, status: Tenant.Status, platformHostIsPrimary: Bool, _ stage: (URL) throws -> Void
    ) throws -> StagedTenant {
        let (slug, name, platformHost, customDomains, pending) = try validate(request)

        let folder = dataDirectory.tenantFolder(slug)
        guard !FileManager.default.fileExists(atPath: folder.path) else {
            throw TenancyError.folderExists(folder.path)
        }
        let customIsPrimary = !customDomains.isEmpty && !platformHostIsPrimary
        let placeholder = Tenant.ID(0)
        var domains = [
            TenantDomain(hostname: platformHost, tenantID: placeholder, kind: .platform, isPrimary: !customIsPrimary)
        ]
        for (index, host) in customDomains.enumerated() {
            domains.append(
                TenantDomain(
                    hostname: host, tenantID: placeholder, kind: .custom, isPrimary: customIsPrimary && index == 0))
        }
        for (host, token) in pending {
            domains.append(
                TenantDomain(
                    hostname: host, tenantID: placeholder, kind: .custom, isPrimary: false, status: .pending,
                    verificationToken: token, addedAt: Date()))
        }
        let registration = TenantRegistration(
            slug: slug, name: name, status: status, createdAt: Date(), domains: domains)
        let staging = dataDirectory.root.appendingPathComponent(".staging-\(slug.rawValue)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let staged = StagedTenant(
            registration: registration, staging: staging, folder: folder, root: dataDirectory.root)
        do {
            try stage(staging)
            // Staging writes need not wait for the disk; the finished folder must be on it before it is registered.
            try DurableFolder.sync(staging)
        } catch {
            staged.discard()
            throw error
        }
        return staged
    }

    /// Checks `request` as `register` would, writing nothing: the slug, the name and every domain, each free.
    /// Returns the slug, name, platform host, working and pending domains, normalised.
    package func validate(_ request: NewTenant) throws
        -> (slug: TenantSlug, name: String, platformHost: String, custom: [String], pending: [(String, String)])
    {
        let slug = try TenantSlug(validating: request.slug)
        let name = try Self.validateName(request.name)
        let platformHost = "\(slug.rawValue).\(baseDomain)"
        // Working and pending custom domains pass the same checks: a real name, not the platform's, given once.
        var seen: Set<String> = []
        func custom(_ raw: String) throws -> String {
            let host = try HostName.validateDomain(raw)
            guard host != baseDomain, !host.hasSuffix(".\(baseDomain)") else {
                throw TenancyError.domainUnderBaseDomain(host, baseDomain: baseDomain)
            }
            guard seen.insert(host).inserted else { throw TenancyError.duplicateDomain(host) }
            return host
        }
        let customDomains = try request.customDomains.map(custom)
        let pending = try request.pendingDomains.sorted(by: { $0.key < $1.key }).map { (try custom($0.key), $0.value) }
        try checkAvailable(slug: slug, hosts: [platformHost] + customDomains + pending.map(\.0))
        return (slug, name, platformHost, customDomains, pending)
    }

    /// Removes the tenant's registry rows and its folder.
    package func removeTenant(slug rawSlug: String) throws -> Tenant {
        let slug = try TenantSlug(validating: rawSlug)
        let tenant = try LocalRegistryWriter(platform: platform).removeNow(slug: slug)
        let folder = dataDirectory.tenantFolder(slug)
        StorefrontSnapshotFiles.discard(StorefrontSnapshotFiles.path(in: dataDirectory, slug: slug))
        if FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.removeItem(at: folder)
        }
        return tenant
    }

    /// `removeTenant` through `writer`: the rows first (so no node routes to it), then the folder.
    package func removeTenant(slug rawSlug: String, writer: any RegistryWriter) async throws -> Tenant {
        let slug = try TenantSlug(validating: rawSlug)
        let tenant = try await writer.remove(slug: slug)
        let folder = dataDirectory.tenantFolder(slug)
        StorefrontSnapshotFiles.discard(StorefrontSnapshotFiles.path(in: dataDirectory, slug: slug))
        try await BlockingIO.run {
            if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
        }
        return tenant
    }

    private func checkAvailable(slug: TenantSlug, hosts: [String]) throws {
        try platform.pool.read { db in
            if try Tenant.filter(Tenant.Columns.slug == slug).fetchCount(db) > 0 {
                throw TenancyError.duplicateSlug(slug.rawValue)
            }
            for host in hosts where try TenantDomain.filter(TenantDomain.Columns.hostname == host).fetchCount(db) > 0 {
                throw TenancyError.duplicateDomain(host)
            }
        }
    }

    package static func validateName(_ raw: String) throws(TenancyError) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .invalidName("the name is empty") }
        guard name.count <= 100 else { throw .invalidName("the name is longer than 100 characters") }
        guard !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw .invalidName("the name contains control characters")
        }
        return name
    }
}
