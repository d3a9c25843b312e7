import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension OnboardingController {
    package struct Page: Sendable {
        package struct StepLink: Sendable {
            package let number: Int
            package let label: String
            package let link: String?
            package let isCurrent: Bool
        }

        package struct Choice: Sendable {
            package let value: String
            package let label: String
            package let selected: Bool
        }

        package struct Fact: Sendable {
            package let label: String
            package let value: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package let action: String
        package let back: String?
        package let steps: [StepLink]
        package let stepNumber: Int
        package let stepLabel: String
        package var notice: Notice?
        package let isBrand, isDomains, isOwner, isConnection, isMapping, isReview: Bool
        package let baseDomain: String
        package let slug, name, domainsText, ownerEmail: String
        package let modes: [Choice]
        package let sandboxDefaults: Bool
        package let whmcsURL, whmcsIdentifier, whmURL: String
        package let whmcsSecretStored: Bool
        package let groups: [Choice]
        package let hasGroups: Bool
        package let groupTyped: String
        package let resellerExisting, resellerNew: Bool
        package let resellerUser, resellerDomain, nameserversText: String
        package let whmTokenStored: Bool
        package let currency: String
        package let review: [Fact]
        package var failureSteps: [String] = []
        package var hasFailureSteps = false
        package var leftBehind: [String] = []
        package var hasLeftBehind = false
        package var slugError, nameError, domainsError, ownerEmailError, modeError, whmcsURLError, whmcsIdentifierError,
            whmcsSecretError, whmURLError, whmcsGroupError, resellerUserError, whmTokenError, resellerDomainError,
            nameserversError, currencyError: String?

        mutating func show(_ problems: OnboardingPlan.Problems) {
            slugError = problems["slug"]
            nameError = problems["name"]
            domainsError = problems["domains"]
            ownerEmailError = problems["owner_email"]
            modeError = problems["mode"]
            whmcsURLError = problems["whmcs_url"]
            whmcsIdentifierError = problems["whmcs_identifier"]
            whmcsSecretError = problems["whmcs_secret"]
            whmURLError = problems["whm_url"]
            whmcsGroupError = problems["whmcs_group"]
            resellerUserError = problems["reseller_user"]
            whmTokenError = problems["whm_token"]
            resellerDomainError = problems["reseller_domain"]
            nameserversError = problems["nameservers"]
            currencyError = problems["currency"]
        }
    }
}
