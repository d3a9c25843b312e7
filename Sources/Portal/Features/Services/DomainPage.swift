import Integrations

/// `/account/domains/{name}`: nameservers, DNS records and settings.
package struct DomainPage: Sendable {
    package struct Record: Sendable {
        package let id: String
        package let type: String
        package let host: String
        package let value: String
    }

    package struct TypeChoice: Sendable {
        package let value: String
        package let selected: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let notice: Notice?
    package let name: String
    package let status: String
    package let expires: String
    package let autoRenew: Bool
    package let privacy: Bool
    package let nameservers: String
    package let nameserverError: String?
    package let records: [Record]
    package let hasRecords: Bool
    package let zoneError: String?
    package let types: [TypeChoice]
    package let input: DNSRecord.Input
    package let errors: [String: String]
}
