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

/// `/order/{slug}/review`: the price summary, then either sign-in links or the billing details and "Place order".
package struct OrderReviewPage: Sendable {
    package struct Line: Sendable {
        package let label: String
        package let amount: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let slug: String
    package let name: String
    package let lines: [Line]
    package let total: String
    package let cycle: String
    package let domain: String
    package let domainAction: String
    package let changeURL: String
    package let signedIn: Bool
    package let signInURL: String
    package let signUpURL: String
    package let idempotencyKey: String
    /// The total shown, in minor units; a different total at "Place order" shows the review again.
    package let quotedTotal: String
    package let profile: ProfileForm
    package let errors: [String: String]
    /// A transfer asks for the domain's authorisation code here, in the posted form only (never in a link).
    package let isTransfer: Bool
    package var notice: Notice?
}

/// The billing details as typed, for re-rendering.
package struct ProfileForm: Sendable {
    package var firstName = ""
    package var lastName = ""
    package var company = ""
    package var address1 = ""
    package var city = ""
    package var state = ""
    package var postcode = ""
    package var country = ""
    package var phone = ""

    init() {}

    init(_ profile: CustomerProfile) {
        firstName = profile.firstName
        lastName = profile.lastName
        company = profile.company
        address1 = profile.address1
        city = profile.city
        state = profile.state
        postcode = profile.postcode
        country = profile.country
        phone = profile.phone
    }

    init(form: FormData) {
        firstName = form.trimmed("first_name")
        lastName = form.trimmed("last_name")
        company = form.trimmed("company")
        address1 = form.trimmed("address1")
        city = form.trimmed("city")
        state = form.trimmed("state")
        postcode = form.trimmed("postcode")
        country = form.trimmed("country").uppercased()
        phone = form.trimmed("phone")
    }

    /// Problems by field name; empty when WHMCS will accept the details.
    func problems() -> [String: String] {
        var problems: [String: String] = [:]
        func check(_ value: String, _ field: String, _ label: String, max: Int) {
            if value.isEmpty { problems[field] = "Enter your \(label)." }
            else if value.count > max || value.contains(where: { $0.isNewline || $0.isASCII && $0.asciiValue! < 0x20 }) {
                problems[field] = "Use one line of at most \(max) characters."
            }
        }
        check(firstName, "first_name", "first name", max: 60)
        check(lastName, "last_name", "last name", max: 60)
        check(address1, "address1", "street address", max: 120)
        check(city, "city", "town or city", max: 60)
        check(state, "state", "county, state or region", max: 60)
        check(postcode, "postcode", "postcode", max: 16)
        if company.count > 100 || company.contains(where: \.isNewline) { problems["company"] = "Use one line of at most 100 characters." }
        if country.count != 2 || !Locale.Region.isoRegions.contains(where: { $0.identifier == country }) {
            problems["country"] = "Enter your country's two-letter code, such as GB or US."
        }
        let digits = phone.filter(\.isNumber)
        if digits.count < 6 || phone.count > 25 || !phone.allSatisfy({ $0.isNumber || " +-().".contains($0) }) {
            problems["phone"] = "Enter a phone number such as +44 20 7946 0123."
        }
        return problems
    }

    func profile(for account: Account.ID, now: Date) -> CustomerProfile {
        CustomerProfile(
            accountID: account, firstName: firstName, lastName: lastName, company: company, address1: address1, city: city,
            state: state, postcode: postcode, country: country, phone: phone, updatedAt: now
        )
    }
}

/// `/account/orders` and `/account/orders/{id}`.
package struct CustomerOrdersPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let number: String
        package let product: String
        package let domain: String
        package let total: String
        package let status: String
        package let placed: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
    package let previousURL: String?
    package let nextURL: String?
}

package struct CustomerOrderPage: Sendable {
    package struct Step: Sendable {
        package let label: String
        package let done: Bool
        package let current: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let number: String
    package let product: String
    package let domain: String
    package let total: String
    package let status: String
    package let message: String
    package let isSettling: Bool
    package let isActive: Bool
    package let steps: [Step]
    package let placed: String
    package let waitingForEmail: Bool
    package let email: String
    package let hostingUsername: String?
    package let nameservers: [String]
    package let hasNameservers: Bool
    package var notice: Notice?
}

extension Order.Status {
    /// What customers read: calm, and never a vendor's error.
    var customerLabel: String {
        switch self {
        case .awaitingPayment: "Awaiting payment"
        case .paid: "Paid"
        case .provisioning: "Setting up"
        case .active: "Active"
        case .needsSetup, .failed: "Being set up"
        case .cancelled: "Cancelled"
        }
    }

    var customerMessage: String {
        switch self {
        case .awaitingPayment: "We have your order and are preparing the invoice and payment."
        case .paid: "Payment received. We are starting to set up your service."
        case .provisioning: "We are setting up your service now. This page updates by itself."
        case .active: "Your service is ready."
        case .needsSetup: "Our team is setting this up for you. We will email you as soon as it is ready."
        case .failed: "We are setting this up. It is taking a little longer than usual; our team is on it and will email you when it is ready. You do not need to do anything."
        case .cancelled: "This order was cancelled. Contact us if you did not expect this."
        }
    }
}
