import Branding
import Crypto
import Foundation
import Logging
import NIOCore
import Tenancy

/// Each tenant's storefront content and its rendered home pages, kept on disk so a tenant that is not in memory
/// (after a restart, or pushed out of the cache) answers its first request without opening its database.
///
/// The files and the rule that keeps them current are `StorefrontSnapshotFiles`'. A snapshot is used only when
///   - it was written by this build, with these templates, translations and stylesheet (`fingerprint`);
///   - in this run, or in the run before it if that one ended cleanly (`epoch`): a run that stopped without closing
///     may have committed a change whose removal of the snapshot never happened;
///   - for the same registry row (a tenant renamed, suspended or removed and made again is read afresh);
/// and, for its rendered pages, only in the year (the footer's) and for the site address (canonical links) of the
/// content they were rendered from; and only over the same database file (a folder swapped in by a move, a recovery
/// or by hand has another).
package final class StorefrontSnapshots: Sendable {
    /// The first bytes of every snapshot: the format, so an older one is read from the database instead.
    static let magic = Array("PSNAP003".utf8)

    package let dataDirectory: DataDirectory
    let fingerprint: String
    let epoch: String
    private let siteURL: @Sendable (Tenant) -> String

    /// What a snapshot holds besides the pages' bytes, which follow it in the file in this order.
    struct Meta: Codable {
        struct Page: Codable {
            let variant: String
            let etag: String
            let length: Int
        }

        let epoch: String
        let fingerprint: String
        let tenant: Tenant
        /// The tenant database file it was read from (device and inode): a folder put in place by other means
        /// (a move, a recovery, a copy by hand) is a different file, whose snapshot this is not.
        let database: String
        let siteURL: String
        let year: Int
        let brand: Brand
        let catalogue: StorefrontCatalogue
        let site: SiteSettings
        let home: PageContent?
        let pages: [Page]
    }

    /// What a brand's storefront was read in, taken before the data is read: where its snapshot is kept, the
    /// brand's generation (`StorefrontSnapshotFiles.generation`), the site address pages are rendered with and the
    /// database file. A snapshot of content read on this basis is stored only while the generation has not moved,
    /// and records the site address and file it was read with, not the ones current when it is written.
    package struct Basis: Sendable {
        let path: String
        let generation: UInt64
        let siteURL: String
        let databaseFile: String?

        /// No storefront commit (or discard) since: content read on this basis is current.
        var isCurrent: Bool { StorefrontSnapshotFiles.generation(of: path) == generation }
    }

    /// A snapshot read back: the storefront's data, and the pages that may still be served.
    struct Loaded: Sendable {
        let brand: Brand
        let catalogue: StorefrontCatalogue
        let site: SiteSettings
        let home: PageContent?
        let pages: [String: RenderedVariants.Page]
    }

    private init(
        dataDirectory: DataDirectory, fingerprint: String, epoch: String,
        siteURL: @escaping @Sendable (Tenant) -> String
    ) {
        self.dataDirectory = dataDirectory
        self.fingerprint = fingerprint
        self.epoch = epoch
        self.siteURL = siteURL
    }

    /// Takes over the data directory's snapshots for this run: those of the previous run count only if it closed
    /// them (`close()`); from here until this run closes them, a stop without closing makes every one stale.
    package static func open(
        dataDirectory: DataDirectory, assetsDirectory: String, stylesheetURL: String,
        siteURL: @escaping @Sendable (Tenant) -> String
    ) throws -> StorefrontSnapshots {
        let folder = StorefrontSnapshotFiles.folder(in: dataDirectory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let marker = cleanMarker(in: folder)
        var epoch = UUID().uuidString
        if let previous = try? String(contentsOf: marker, encoding: .utf8), previous.count == epoch.count {
            epoch = previous
        }
        if FileManager.default.fileExists(atPath: marker.path) {
            try FileManager.default.removeItem(at: marker)
            try DurableFolder.syncEntries(of: folder)
        } else {
            // The last run stopped without closing: its snapshots are stale (a new epoch), and a write it left
            // half done may have left a temporary file. Only then is the folder listed, so a clean restart of a
            // node with many brands does not pay for it.
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names where name.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
        return StorefrontSnapshots(
            dataDirectory: dataDirectory,
            fingerprint: try fingerprint(assetsDirectory: assetsDirectory, stylesheetURL: stylesheetURL),
            epoch: epoch, siteURL: siteURL)
    }

    /// Records that every commit of this run has removed the snapshots it made stale: the next run may use them.
    package func close() throws {
        let folder = StorefrontSnapshotFiles.folder(in: dataDirectory)
        let marker = Self.cleanMarker(in: folder)
        let temporary = folder.appendingPathComponent("clean.tmp")
        try Data(epoch.utf8).write(to: temporary)
        try DurableFolder.syncFile(temporary)
        guard rename(temporary.path, marker.path) == 0 else {
            throw TenancyError.storage("could not record \(marker.path) (errno \(errno))")
        }
        try DurableFolder.syncEntries(of: folder)
    }

    /// Present between a run's clean stop and the next start, holding that run's epoch.
    private static func cleanMarker(in folder: URL) -> URL { folder.appendingPathComponent("clean") }

    /// Everything a rendered storefront page depends on besides the tenant's data and the request: this binary,
    /// the templates, the translations, the shared stylesheet's address and the database schema.
    private static func fingerprint(assetsDirectory: String, stylesheetURL: String) throws -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(magic)|\(TenantDatabase.schemaVersion)|\(stylesheetURL)|".utf8))
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if let attributes = try? FileManager.default.attributesOfItem(atPath: executable) {
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            hasher.update(data: Data("\(executable)|\(attributes[.size] ?? 0)|\(modified)|".utf8))
        } else {
            // Without the binary's identity no earlier run's snapshot can be trusted: this run's own only.
            hasher.update(data: Data(UUID().uuidString.utf8))
        }
        for folder in ["templates", "locales"] {
            let root = URL(fileURLWithPath: assetsDirectory).appendingPathComponent(folder)
            let names = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? []).sorted()
            for name in names {
                var isFolder: ObjCBool = false
                let file = root.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue
                else { continue }
                hasher.update(data: Data("\(folder)/\(name)|".utf8))
                hasher.update(data: try Data(contentsOf: file))
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    package func path(for tenant: Tenant) -> String {
        StorefrontSnapshotFiles.path(in: dataDirectory, slug: tenant.slug)
    }

    /// The basis of a read of `tenant`'s storefront starting now (a `stat` of its database: on a miss only).
    func basis(for tenant: Tenant) -> Basis {
        let path = path(for: tenant)
        let generation = StorefrontSnapshotFiles.generation(of: path)
        var status = stat()
        let file =
            stat(dataDirectory.tenantDatabasePath(tenant.slug), &status) == 0
            ? "\(status.st_dev):\(status.st_ino)" : nil
        return Basis(path: path, generation: generation, siteURL: siteURL(tenant), databaseFile: file)
    }

    /// The tenant's snapshot when it may be used on `basis`; nil when there is none or it is stale.
    func load(_ tenant: Tenant, on basis: Basis) throws -> Loaded? {
        guard let bytes = try StorefrontSnapshotFiles.read(basis.path), bytes.count >= Self.magic.count + 4,
            bytes.starts(with: Self.magic)
        else { return nil }
        var offset = Self.magic.count
        let metaLength = bytes[offset..<offset + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        offset += 4
        guard metaLength <= bytes.count - offset else { return nil }
        let meta = try JSONDecoder().decode(Meta.self, from: Data(bytes[offset..<offset + metaLength]))
        offset += metaLength
        guard meta.epoch == epoch, meta.fingerprint == fingerprint, meta.tenant == tenant,
            meta.database == basis.databaseFile
        else { return nil }
        var pages: [String: RenderedVariants.Page] = [:]
        if meta.year == StorefrontChrome.currentYear(), meta.siteURL == basis.siteURL {
            for page in meta.pages {
                guard page.length >= 0, page.length <= bytes.count - offset else { return nil }
                pages[page.variant] = RenderedVariants.Page(
                    body: ByteBuffer(bytes: bytes[offset..<offset + page.length]), etag: page.etag)
                offset += page.length
            }
        }
        return Loaded(brand: meta.brand, catalogue: meta.catalogue, site: meta.site, home: meta.home, pages: pages)
    }

    /// The snapshot of `content`, read on `basis`, with the pages rendered from it so far.
    func encode(_ content: StorefrontContent, on basis: Basis) throws -> [UInt8] {
        guard let database = basis.databaseFile else {
            throw TenancyError.storage("tenant \(content.tenant.slug) has no database file")
        }
        let pages = content.homePages.all().sorted { $0.key < $1.key }
        let meta = Meta(
            epoch: epoch, fingerprint: fingerprint, tenant: content.tenant, database: database,
            siteURL: basis.siteURL,
            year: content.chrome.year, brand: content.brand, catalogue: content.catalogue, site: content.site,
            home: content.home,
            pages: pages.map { Meta.Page(variant: $0.key, etag: $0.value.etag, length: $0.value.body.readableBytes) })
        let encoded = try JSONEncoder().encode(meta)
        var bytes = Self.magic
        bytes.reserveCapacity(bytes.count + 4 + encoded.count + meta.pages.reduce(0) { $0 + $1.length })
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: encoded.count >> shift)) }
        bytes.append(contentsOf: encoded)
        for (_, page) in pages { bytes.append(contentsOf: page.body.readableBytesView) }
        return bytes
    }
}
