import Foundation
import Integrations
import Tenancy

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

extension DomainPage {
    /// What the page shows beyond the domain itself: a notice, and the forms as the customer last filled them.
    package struct State: Sendable {
        var notice: Notice? = nil
        var nameserverText: String? = nil
        var nameserverError: String? = nil
        var record: DNSRecord.Input? = nil
        var recordErrors: [String: String] = [:]
    }

    /// `records` is nil when the zone could not be read.
    init(
        _ domain: RegisteredDomain, records: [TwentyIClient.ZoneRecord]?, zone: TimeZone, state: State,
        context: CustomerRequestContext
    ) {
        let input = state.record ?? DNSRecord.Input(kind: "A", host: "", value: "")
        let rows = (records ?? []).map { Record(id: $0.id, type: $0.type, host: $0.host, value: $0.value) }
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: state.notice, name: domain.name,
            status: domain.status.displayLabel, expires: ReminderScheduler.long(domain.expiresAt, zone),
            autoRenew: domain.autoRenew, privacy: domain.privacy,
            nameservers: state.nameserverText ?? domain.nameserverList.joined(separator: "\n"),
            nameserverError: state.nameserverError, records: rows, hasRecords: !rows.isEmpty,
            zoneError: records == nil ? tr("services.domain.zone_unreadable") : nil,
            types: DNSRecord.Kind.allCases.map {
                TypeChoice(value: $0.rawValue, selected: $0.rawValue == input.kind.uppercased())
            },
            input: input, errors: state.recordErrors
        )
    }
}

extension RegisteredDomain.Status {
    /// The status in the reader's language.
    var displayLabel: String {
        switch self {
        case .active: tr("services.domain-status.active")
        case .expired: tr("services.domain-status.expired")
        }
    }
}
