import Branding
import Foundation
import Tenancy

extension Product.Kind {
    var label: String {
        switch self {
        case .sharedHosting: "Web hosting"
        case .resellerHosting: "Reseller hosting"
        case .cloudServer: "Cloud server"
        case .ssl: "SSL certificate"
        case .domain: "Domain"
        }
    }
}
