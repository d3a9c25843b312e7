import Branding
import Foundation
import Tenancy

extension Product.Kind {
    var label: String {
        switch self {
        case .sharedHosting: tr("catalogue.kind.shared_hosting")
        case .resellerHosting: tr("catalogue.kind.reseller_hosting")
        case .cloudServer: tr("catalogue.kind.cloud_server")
        case .ssl: tr("catalogue.kind.ssl")
        case .domain: tr("catalogue.kind.domain")
        }
    }
}
