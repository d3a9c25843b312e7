import Branding
import Crypto
import Foundation
import Tenancy

/// What staff do with the brand's pages, news, site settings and images: every change is checked (blocks, links,
/// images), written in one transaction, audited, and the storefront's cached content dropped so visitors see it.
struct ContentDesk: Sendable {
    let databases: TenantDatabases
    let storefront: StorefrontService
    let dataDirectory: DataDirectory
    /// Bytes of page images one brand may keep.
    let imageQuota: Int
    let now: @Sendable () -> Date

    /// Images unused this long are removed.
    static let unusedImageLifetime: TimeInterval = 30 * 24 * 3600

    /// What an internal link may name in `tenant` now; products and categories from its storefront `content`
    /// (current: every catalogue write drops it).
    func linkCheck(_ tenant: Tenant, content: StorefrontContent, languages: [String]) async throws -> SiteLinkCheck {
        var check = SiteLinkCheck()
        check.products = Set(content.catalogue.entries.map(\.product.slug))
        check.categories = Set(content.catalogue.categories.map(\.slug))
        check.languages = languages
        return try await databases.withDatabase(for: tenant) { [check] database in
            var check = check
            check.pages = try await database.content.pageSlugs()
            check.news = try await database.content.newsSlugs()
            check.help = try await database.knowledgeBase.articleSlugs()
            check.images = Set(try await database.content.images().map(\.file))
            return check
        }
    }

    /// Problems of a page's text in each language (blocks and links), by form field.
    static func problems(of body: PerLanguage, field: String, check: SiteLinkCheck) -> [String: String] {
        var problems: [String: String] = [:]
        for (language, text) in body where !text.isEmpty {
            do {
                let blocks = try PageBlock.parse(text)
                for block in blocks {
                    for link in block.links {
                        if let problem = check.problem(link) {
                            problems["\(field)_\(language)"] = "Link: \(problem)."
                            break
                        }
                    }
                }
            } catch {
                problems["\(field)_\(language)"] = "\(error.description)."
            }
        }
        return problems
    }

    func audit(_ action: String, _ target: String, by staff: Account, in tenant: Tenant, ip: String) async throws {
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(action, actor: staff, target: target, ip: ip, now: now())
        }
    }

    /// Drops the tenant's cached storefront (menu, home page, announcement live there).
    func changed(_ tenant: Tenant) {
        storefront.invalidate(tenant)
    }

    // MARK: Images

    enum UploadOutcome: Equatable {
        case stored(String)
        case refused(String)
    }

    /// Checks the bytes like a logo's, stores them content-addressed under the brand's media folder and records
    /// them within the quota.
    func upload(_ bytes: [UInt8], to tenant: Tenant) async throws -> UploadOutcome {
        let folder = ContentController.mediaFolder(dataDirectory, tenant.slug)
        let image: ImageInspector.Image
        do {
            image = try ImageInspector.inspect(bytes)
        } catch {
            return .refused("\(error)")
        }
        let quota = imageQuota
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let name = "\(digest).\(image.fileExtension)"
        let accepted = try await databases.withDatabase(for: tenant) { database in
            try await database.content.addImage(
                file: name, bytes: bytes.count, width: image.width, height: image.height, quota: quota, now: now())
        }
        guard accepted else {
            return .refused(
                "it would pass the storage limit of \(FileSize.text(Int64(quota))); remove images no page uses first")
        }
        try await BlockingIO.run {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let destination = folder.appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: destination.path) {
                try Data(bytes).write(to: destination, options: .atomic)
            }
        }
        return .stored(name)
    }

    /// Marks the brand's unused images and deletes those unused for 30 days (rows and files). Returns the files
    /// removed.
    @discardableResult
    func sweepImages(of tenant: Tenant) async throws -> [String] {
        let now = now()
        let removed = try await databases.withDatabase(for: tenant) { database in
            try await database.content.sweepImages(now: now, cutoff: now.addingTimeInterval(-Self.unusedImageLifetime))
        }
        let folder = ContentController.mediaFolder(dataDirectory, tenant.slug)
        try await BlockingIO.run {
            for file in removed where ImageStore.isAssetName(file) {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(file))
            }
        }
        return removed
    }
}
