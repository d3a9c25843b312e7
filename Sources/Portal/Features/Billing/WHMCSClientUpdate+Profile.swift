import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension WHMCSClientUpdate {
    /// Every contact field of the customer's billing details.
    init(_ profile: CustomerProfile) {
        self.init()
        firstName = profile.firstName
        lastName = profile.lastName
        companyName = profile.company
        address1 = profile.address1
        city = profile.city
        state = profile.state
        postcode = profile.postcode
        country = profile.country
        phoneNumber = profile.phone
        taxID = profile.taxID
    }
}
