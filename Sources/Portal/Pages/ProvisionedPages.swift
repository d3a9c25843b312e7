import Integrations

/// `/account/domains`.
package struct DomainsPage: Sendable {
    package struct Row: Sendable {
        package let name: String
        package let status: String
        package let expires: String
        package let autoRenew: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}

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

/// `/account/certificates`.
package struct CertificatesPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let domain: String
        package let status: String
        package let expires: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}

/// `/account/certificates/{id}`.
package struct CertificatePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let notice: Notice?
    package let id: Int64
    package let domain: String
    package let status: String
    package let starts: String
    package let expires: String
    package let isWaiting: Bool
    package let proofPlaced: Bool
    package let needsFile: Bool
    package let needsCNAME: Bool
    package let fileURL: String
    package let fileContent: String
    package let cnameName: String
    package let cnameValue: String
    package let installedOn: String
    package let isInstalled: Bool
    package let canDownload: Bool
    package let canReissue: Bool
}

/// `/account/cloud`.
package struct CloudServersPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let name: String
        package let hostname: String
        package let status: String
        package let size: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
}

/// `/account/cloud/{id}`.
package struct CloudServerPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let id: Int64
    package let name: String
    package let provider: String
    package let size: String
    package let cpu: Int
    package let ramGB: Int
    package let storageGB: Int
    package let status: String
    package let ipAddress: String
    package let hostname: String
    package let isStale: Bool
    package let created: String
}
