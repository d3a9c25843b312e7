import Branding
import Foundation
import Integrations
import Tenancy

/// `/account/services/{id}`.
package struct ServicePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let id: Int
    package let name: String
    package let domain: String
    /// WHMCS's word for the status: the badge's `data-status`, which picks its colour.
    package let status: String
    /// The status in the reader's language, as the badge and the details show it.
    package var statusLabel = ""
    package let isActive: Bool
    /// WHMCS's billing cycle ("Monthly"), compared with the plans on offer.
    package let cycle: String
    /// The billing cycle in the reader's language, as the details show it.
    package var cycleLabel = ""
    package let price: String
    package let nextDue: String
    package let resources: [String]
    package let hasResources: Bool
    package let nameservers: [String]
    package let hasNameservers: Bool
    package let server: String
    package let username: String
    package let hasControlPanel: Bool
    package struct Shortcut: Sendable {
        package let value: String
        package let label: String
    }
    /// Buttons that open one part of the control panel directly (webmail, files, …).
    package var panelShortcuts: [Shortcut] = ControlPanelShortcut.allCases.filter { $0 != .home }.map {
        Shortcut(value: $0.rawValue, label: $0.label)
    }
    package let canRevealPassword: Bool
    /// Set only on the answer to a successful reveal, which is never cached.
    package var revealedPassword: String?
    package var passwordError: String?
    package struct PlanChoice: Sendable {
        package let product: String
        package let cycle: String
        package let label: String
    }
    /// Other plans of the same kind this service can move to.
    package var plans: [PlanChoice] = []
    package var hasPlans = false
    package var canChange = false
    /// A change already under way (its order number).
    package var pendingChange: String?
    package var changeKey = ""

    /// The page's sections, each at `?tab=`: what the service is, how to sign in to it, changing and cancelling.
    package enum Tab: String, Sendable, CaseIterable {
        case overview, login, change, cancel

        var label: String {
            switch self {
            case .overview: tr("services.service.tab_overview")
            case .login: tr("services.service.tab_login")
            case .change: tr("services.service.tab_change")
            case .cancel: tr("services.service.tab_cancel")
            }
        }
    }

    package struct TabLink: Sendable {
        package let label: String
        package let url: String
        package let current: Bool
    }

    package var tabs: [TabLink] = []
    package var isOverview = false
    package var isLogin = false
    package var isChange = false
    package var isCancel = false

    /// Disk and bandwidth against their limits, where the hosting server reports them.
    package struct Meter: Sendable {
        package let id: String
        package let label: String
        package let text: String
        package let percent: Int
        package let hasLimit: Bool
    }

    package var meters: [Meter] = []
    package var hasMeters = false
    package var usageProblem: String?
}

extension ServicePage {
    init(
        _ service: MirroredService, hosting: HostingAccountRecord?, product: Product?, brand: Brand,
        server: String, resources: [String], context: CustomerRequestContext, notice: Notice?
    ) {
        let nameservers =
            hosting.map { $0.nameservers.isEmpty ? brand.nameservers : $0.nameservers } ?? brand.nameservers
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: service.whmcsServiceID,
            name: service.productName, domain: IDNA.toUnicode(service.domain), status: service.status,
            isActive: service.isActive,
            cycle: service.billingCycle, price: Money.format(minor: service.recurringMinor, currency: brand.currency),
            nextDue: DisplayCalendar.readerDay(service.nextDueDate), resources: resources,
            hasResources: !resources.isEmpty,
            nameservers: nameservers, hasNameservers: !nameservers.isEmpty, server: hosting == nil ? "" : server,
            username: hosting?.username ?? service.username, hasControlPanel: hosting != nil && service.isActive,
            canRevealPassword: hosting?.sealedPassword != nil
        )
        statusLabel = BillingLabels.serviceStatus(service.status)
        cycleLabel = BillingLabels.cycle(service.billingCycle)
    }

    /// The tabs this service has (signing in only with a control panel or password; changes only while active) and
    /// the one shown; a tab it does not have shows the overview.
    mutating func select(_ wanted: Tab) {
        var available: [Tab] = [.overview]
        if hasControlPanel || canRevealPassword { available.append(.login) }
        if isActive { available += [.change, .cancel] }
        let tab = available.contains(wanted) ? wanted : .overview
        let base = AccountPaths.service.link(id)
        tabs = available.map {
            TabLink(label: $0.label, url: $0 == .overview ? base : base + "?tab=\($0.rawValue)", current: $0 == tab)
        }
        (isOverview, isLogin, isChange, isCancel) = (tab == .overview, tab == .login, tab == .change, tab == .cancel)
    }

    /// Shows `usage` as meters; nil with `failed` says it cannot be shown just now.
    mutating func show(_ usage: WHMUsage?, failed: Bool) {
        if failed { usageProblem = tr("services.service.usage_unavailable") }
        guard let usage else { return }
        func meter(_ id: String, _ label: String, used: Double, limit: Double?) -> Meter {
            let text =
                limit.map { tr("services.service.usage_of", ["used": Self.size(used), "limit": Self.size($0)]) }
                ?? tr("services.service.usage_no_limit", ["used": Self.size(used)])
            let percent = limit.map { $0 > 0 ? min(100, Int((used / $0 * 100).rounded())) : 0 } ?? 0
            return Meter(id: id, label: label, text: text, percent: percent, hasLimit: limit != nil)
        }
        meters = [
            meter(
                "disk", tr("services.service.disk_space"), used: usage.diskUsedMB * 1_048_576,
                limit: usage.diskLimitMB.map { $0 * 1_048_576 }),
            meter(
                "bandwidth", tr("services.service.bandwidth"), used: Double(usage.bandwidthUsedBytes),
                limit: usage.bandwidthLimitBytes.map(Double.init)),
        ]
        hasMeters = true
    }

    /// Bytes as people read them: "4 MB", "1.5 GB".
    static func size(_ bytes: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB"]
        var value = bytes
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let text = value >= 10 || unit == 0 ? String(Int(value.rounded())) : String(format: "%.1f", value)
        return "\(text.hasSuffix(".0") ? String(text.dropLast(2)) : text) \(units[unit])"
    }

    /// Offers the other plans and cycles of the same kind, unless a change is already under way.
    mutating func offer(_ entries: [CatalogueEntry], from product: Product, pending: Order?, currency: String) {
        let current = cycle.lowercased().replacingOccurrences(of: "-", with: "")
        plans = entries.filter { $0.product.kind == product.kind }.flatMap { entry in
            entry.prices.compactMap { price -> PlanChoice? in
                if entry.product.id == product.id && price.cycle.rawValue == current { return nil }
                return PlanChoice(
                    product: entry.product.slug, cycle: price.cycle.rawValue,
                    label:
                        "\(entry.product.name): \(Money.format(minor: price.priceMinor, currency: currency)) \(price.cycle.perLabel)"
                )
            }
        }
        hasPlans = !plans.isEmpty
        pendingChange = pending?.number
        canChange = pending == nil
        changeKey = SecureToken.generate()
    }
}
