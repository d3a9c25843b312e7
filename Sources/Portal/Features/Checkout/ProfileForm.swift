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
        // `missing` is the whole message for an empty field ("Enter your first name.").
        func check(_ value: String, _ field: String, _ missing: String, max: Int) {
            if value.isEmpty {
                problems[field] = missing
            } else if value.count > max
                || value.contains(where: { $0.isNewline || $0.isASCII && $0.asciiValue! < 0x20 })
            {
                problems[field] = trCount("checkout.profile.one_line", max)
            }
        }
        check(firstName, "first_name", tr("checkout.profile.enter_first_name"), max: 60)
        check(lastName, "last_name", tr("checkout.profile.enter_last_name"), max: 60)
        check(address1, "address1", tr("checkout.profile.enter_address1"), max: 120)
        check(city, "city", tr("checkout.profile.enter_city"), max: 60)
        check(state, "state", tr("checkout.profile.enter_state"), max: 60)
        check(postcode, "postcode", tr("checkout.profile.enter_postcode"), max: 16)
        if company.count > 100 || company.contains(where: \.isNewline) {
            problems["company"] = trCount("checkout.profile.one_line", 100)
        }
        if !Countries.isKnown(country) {
            problems["country"] = tr("checkout.profile.country")
        }
        if taxID.count > 32
            || !taxID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " -.".contains($0)) })
        {
            problems["tax_id"] = tr("checkout.profile.tax_id")
        }
        let digits = phone.filter(\.isNumber)
        if digits.count < 6 || phone.count > 25 || !phone.allSatisfy({ $0.isNumber || " +-().".contains($0) }) {
            problems["phone"] = tr("checkout.profile.phone")
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
