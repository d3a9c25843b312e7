import Foundation
import Integrations
import Tenancy

extension Product.Visibility {
    var label: String {
        switch self {
        case .visible: "Visible: listed and orderable"
        case .hidden: "Hidden: orderable by direct link only"
        case .retired: "Retired: kept for existing orders"
        }
    }
}
