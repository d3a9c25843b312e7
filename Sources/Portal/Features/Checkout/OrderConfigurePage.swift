import Foundation
import Tenancy

/// `/order/{slug}`: the first step, choosing a billing cycle and (for hosting and domains) a domain.
package struct OrderConfigurePage: Sendable {
    package struct CycleChoice: Sendable {
        package let value: String
        package let label: String
        package let price: String
        package let setup: String
        package let hasSetup: Bool
        package let checked: Bool
    }

    package struct ActionChoice: Sendable {
        package let value: String
        package let label: String
        package let checked: Bool
    }

    package let chrome: StorefrontChrome
    package let slug: String
    package let name: String
    package let summary: String
    package let kindLabel: String
    package let cycles: [CycleChoice]
    package let hasCycles: Bool
    package let asksDomain: Bool
    package let domainOptional: Bool
    package let domainLabel: String
    package let domain: String
    package let actions: [ActionChoice]
    package let hasActions: Bool
    package let errors: [String: String]
    package var notice: Notice?
}
