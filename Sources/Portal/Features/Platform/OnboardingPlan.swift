import Foundation
import Tenancy

/// The simulators' addresses and credentials, known to a process that runs them itself (`portal demo`, tests).
package struct SandboxUpstreams: Sendable, Equatable {
    package var whmcsURL: String
    package var whmcsIdentifier: String
    package var whmcsSecret: String
    package var whmURL: String
    /// Root's token on the WHM simulator, for setting up new resellers.
    package var whmRootToken: String

    package init(whmcsURL: String, whmcsIdentifier: String, whmcsSecret: String, whmURL: String, whmRootToken: String) {
        self.whmcsURL = whmcsURL
        self.whmcsIdentifier = whmcsIdentifier
        self.whmcsSecret = whmcsSecret
        self.whmURL = whmURL
        self.whmRootToken = whmRootToken
    }
}

/// Everything a new brand needs, as the onboarding wizard and `portal tenant add` collect it. Fields hold what was
/// typed until `TenantProvisioner` checks them; secrets stay in memory and are sealed only into the new brand.
package struct OnboardingPlan: Sendable, Equatable {
    /// Whose token the brand's WHM connection holds.
    package enum Reseller: String, Sendable, CaseIterable {
        /// A reseller that exists already, with its own API token.
        case existing
        /// A reseller the platform creates with root's token (createacct, setupreseller, setresellernameservers);
        /// the brand then acts for it through root.
        case new
    }

    package var slug = ""
    package var name = ""
    /// Custom domains; each waits for its DNS proof at `/admin/domains` before it serves.
    package var domains: [String] = []
    /// True when the domains serve at once (`portal tenant add --domain`: the operator vouches for them).
    package var activateDomains = false
    package var ownerEmail = ""
    /// False for `portal tenant add` without upstream flags: the owner connects WHMCS and WHM later.
    package var connectsUpstreams = true
    package var mode: IntegrationSettings.Mode = .sandbox
    package var whmcsURL = ""
    package var whmcsIdentifier = ""
    package var whmcsSecret = ""
    package var whmcsGroupID: Int?
    package var whmURL = ""
    package var reseller: Reseller = .existing
    package var resellerUser = ""
    /// The reseller's own token (`existing`) or root's (`new`).
    package var whmToken = ""
    /// The new reseller's own cPanel account domain.
    package var resellerDomain = ""
    /// The brand's nameservers: given to a new reseller, and to the brand for its customers' accounts.
    package var nameservers: [String] = []
    /// The brand's currency (ISO 4217), checked against WHMCS's currencies; its rates are kept with the brand.
    package var currency = "GBP"
    /// WHMCS's exchange rates, read when the currency was checked.
    package var rates: [String: Decimal] = [:]

    package init() {}

    /// Field name → message; empty when the step is valid.
    package typealias Problems = [String: String]
}

/// Creating a brand stopped at `step`; everything done before it was undone unless `leftBehind` says otherwise.
package struct OnboardingFailure: Error, CustomStringConvertible, Equatable {
    package var step: String
    package var message: String
    /// Field problems found when the plan was checked again just before creating.
    package var problems: OnboardingPlan.Problems = [:]
    /// What could not be undone, for the operator to remove by hand.
    package var leftBehind: [String] = []

    package var description: String {
        var text = "\(step): \(message)"
        if !problems.isEmpty {
            text +=
                " (" + problems.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                + ")"
        }
        text +=
            leftBehind.isEmpty
            ? "; nothing was left behind" : "; left behind, remove by hand: " + leftBehind.joined(separator: "; ")
        return text
    }
}
