import Foundation
import Tenancy

/// The billing details as typed, for re-rendering.
package struct ProfileForm: Sendable {
    package var firstName = ""
    package var lastName = ""
    package var company = ""
    package var address1 = ""
    package var city = ""
    package var state = ""
    package var postcode = ""
    package var country = "" {
        didSet { countryOptions = Countries.options(selected: country) }
    }
    package var phone = ""
    /// A VAT or other tax id; optional.
    package var taxID = ""
    /// The country list with the chosen one marked, for the template (which reads stored properties only).
    package private(set) var countryOptions = Countries.options(selected: "")

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
        taxID = profile.taxID
        countryOptions = Countries.options(selected: country)
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
        taxID = form.trimmed("tax_id").uppercased()
        countryOptions = Countries.options(selected: country)
    }

    /// Problems by field name; empty when WHMCS will accept the details.
    func problems() -> [String: String] {
        var problems: [String: String] = [:]
        func check(_ value: String, _ field: String, _ label: String, max: Int) {
            if value.isEmpty {
                problems[field] = "Enter your \(label)."
            } else if value.count > max
                || value.contains(where: { $0.isNewline || $0.isASCII && $0.asciiValue! < 0x20 })
            {
                problems[field] = "Use one line of at most \(max) characters."
            }
        }
        check(firstName, "first_name", "first name", max: 60)
        check(lastName, "last_name", "last name", max: 60)
        check(address1, "address1", "street address", max: 120)
        check(city, "city", "town or city", max: 60)
        check(state, "state", "county, state or region", max: 60)
        check(postcode, "postcode", "postcode", max: 16)
        if company.count > 100 || company.contains(where: \.isNewline) {
            problems["company"] = "Use one line of at most 100 characters."
        }
        if !Countries.isKnown(country) {
            problems["country"] = "Choose your country from the list."
        }
        if taxID.count > 32
            || !taxID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " -.".contains($0)) })
        {
            problems["tax_id"] =
                "Enter the tax id as your tax office issued it, such as GB123456789 (letters and digits)."
        }
        let digits = phone.filter(\.isNumber)
        if digits.count < 6 || phone.count > 25 || !phone.allSatisfy({ $0.isNumber || " +-().".contains($0) }) {
            problems["phone"] = "Enter a phone number such as +44 20 7946 0123."
        }
        return problems
    }

    func profile(for account: Account.ID, now: Date) -> CustomerProfile {
        var profile = CustomerProfile(
            accountID: account, firstName: firstName, lastName: lastName, company: company, address1: address1,
            city: city,
            state: state, postcode: postcode, country: country, phone: phone, updatedAt: now
        )
        profile.taxID = taxID
        return profile
    }
}
