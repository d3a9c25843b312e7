import Foundation
import Tenancy

/// `/admin/domains`: the brand's addresses, the DNS records a custom domain needs, and the owner's actions.
package struct BrandDomainsPage: Sendable {
    package struct Row: Sendable {
        package let hostname: String
        package let kind: String
        package let isCustom: Bool
        package let isPrimary: Bool
        package let isPending: Bool
        package let canMakePrimary: Bool
        package let canRemove: Bool
        package let txtName: String
        package let txtValue: String
        package var error: String?
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package var rows: [Row]
    package let canManage: Bool
    package let edgeHost: String
    package let edgeIPv4: String?
    package let edgeIPv6: String?
    package var hostname = ""
    package var hostnameError: String?
}

extension BrandDomainsPage {
    /// `rowError` is shown beside the domain it names.
    init(
        _ list: [TenantDomain], edge: DomainsController.Edge, notice: Notice?,
        rowError: (host: String, text: String)?, context: StaffRequestContext
    ) {
        let canManage = context.role == .owner
        let activeCount = list.filter { $0.status == TenantDomain.Status.active }.count
        let rows = list.map { domain -> Row in
            let isActive = domain.status == .active
            let isCustom = domain.kind == .custom
            return Row(
                hostname: domain.hostname, kind: isCustom ? "Your domain" : "Platform address", isCustom: isCustom,
                isPrimary: domain.isPrimary, isPending: !isActive,
                canMakePrimary: canManage && isActive && !domain.isPrimary,
                canRemove: canManage && isCustom && !domain.isPrimary && (!isActive || activeCount > 1),
                txtName: BrandAddresses.txtPrefix + domain.hostname,
                txtValue: "portal-verify=" + (domain.verificationToken ?? ""),
                error: rowError?.host == domain.hostname ? rowError?.text : nil
            )
        }
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, rows: rows, canManage: canManage,
            edgeHost: edge.host, edgeIPv4: edge.ipv4, edgeIPv6: edge.ipv6
        )
    }
}
