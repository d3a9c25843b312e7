import Foundation
import Integrations
import Tenancy

/// `/admin/products`: the catalogue, categories, WHMCS settings and the last sync's results.
package struct CatalogueListPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let name: String
        package let slug: String
        package let kind: String
        package let visibility: String
        package let category: String
        package let prices: String
        package let margin: String
        package let sync: String
        package let syncFailed: Bool
        package let isVisible: Bool
        package let isHidden: Bool
        package let isRetired: Bool
    }

    package struct CategoryRow: Sendable {
        package let id: Int64
        package let slug: String
        package let name: String
        package let description: String
        package let position: Int
    }

    package struct SyncRow: Sendable {
        package let title: String
        package let success: Bool
        package let message: String
    }

    package struct KindChoice: Sendable {
        package let value: String
        package let label: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package var rows: [Row]
    package var hasRows: Bool
    package var categories: [CategoryRow]
    package var hasCategories: Bool
    package var kinds: [KindChoice]
    package var canEdit: Bool
    package var isOwner: Bool
    package var productGroup: String
    package var paymentMethod: String
    package var settingsError: String?
    package var syncResults: [SyncRow] = []
    package var hasSyncResults = false
    package var categoryError: String?
    package var categoryName = ""
    package var categorySlug = ""
}
