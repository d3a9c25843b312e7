import Foundation

/// The data root: `platform.sqlite` plus one folder per tenant.
package struct DataDirectory: Sendable, Hashable {
    package let root: URL

    package init(path: String) {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    package var platformDatabasePath: String { root.appendingPathComponent("platform.sqlite").path }

    /// The folder of one tenant. Only a validated slug can name it.
    package func tenantFolder(_ slug: TenantSlug) -> URL {
        root.appendingPathComponent(slug.rawValue, isDirectory: true)
    }

    package func tenantDatabasePath(_ slug: TenantSlug) -> String {
        tenantFolder(slug).appendingPathComponent("tenant.sqlite").path
    }

    /// Where a tenant's uploaded files (logo, favicon) live, content-addressed.
    package func tenantAssetsFolder(_ slug: TenantSlug) -> URL {
        tenantFolder(slug).appendingPathComponent("assets", isDirectory: true)
    }

    /// Where the migrated template new tenant databases are copied from is kept (not a slug, so never a tenant).
    package var templatesFolder: URL { root.appendingPathComponent(".template", isDirectory: true) }

    package func createRootIfNeeded() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
}
