import Foundation
import Integrations
import Tenancy

/// The draft's text fields as the template reads them (stored properties only).
package struct ProductDraftView: Sendable {
    package let slug: String
    package let name: String
    package let summary: String
    package let description: String
    package let features: String
    package let position: String
    package let diskMB: String
    package let bandwidthMB: String
    package let whmPackage: String
    package let resellerAccounts: String
    package let sslProductCode: String

    init(_ draft: ProductDraft) {
        slug = draft.slug
        name = draft.name
        summary = draft.summary
        description = draft.description
        features = draft.features
        position = draft.position
        diskMB = draft.diskMB
        bandwidthMB = draft.bandwidthMB
        whmPackage = draft.whmPackage
        resellerAccounts = draft.resellerAccounts
        sslProductCode = draft.sslProductCode
    }
}
