import Branding
import Foundation
import Synchronization
import Tenancy

/// The frame of a signed-in area around its pages: the customer area's menu (a drawer on phones), the staff area's
/// sidebar with its sections, counts and breadcrumbs, or the platform console's own neutral frame. Built per request
/// from the path, so the current section is marked (`aria-current`) without any script.
package struct AreaFrame: Sendable, Encodable, Equatable {
    package struct Link: Sendable, Encodable, Equatable {
        package let label: String
        package let url: String
        package var current = false
        /// `aria-current`: "page" on the link's own page, "true" on the pages below it.
        package var currentValue = ""
        /// A figure beside the link (open tickets, failed jobs …), shown when above zero.
        package let count: Int
        /// The figure in words ("1 open ticket", "3 open tickets"), read by screen readers.
        package let countLabel: String
        /// Stored for the templates, which read stored properties only.
        package let hasCount: Bool

        /// `counting` names one counted thing and its plural, such as ("open ticket", "open tickets").
        init(label: String, url: String, count: Int = 0, counting: (one: String, many: String) = ("", "")) {
            self.label = label
            self.url = url
            self.count = count
            countLabel = "\(count) \(count == 1 ? counting.one : counting.many)"
            hasCount = count > 0
        }
    }

    package struct Section: Sendable, Encodable, Equatable {
        package let title: String
        package var links: [Link]
    }

    package struct Crumb: Sendable, Encodable, Equatable {
        package let label: String
        package let url: String
    }

    package let isAccount: Bool
    package let isStaff: Bool
    package let isConsole: Bool
    package private(set) var sections: [Section]
    /// Every link of every section, for menus that show no section titles.
    package private(set) var links: [Link] = []
    /// The trail to the current section (staff area), without the page itself.
    package private(set) var breadcrumbs: [Crumb] = []
    package private(set) var hasBreadcrumbs = false
    /// The current section's name, shown on the menu button of narrow screens.
    package private(set) var currentLabel: String?

    init(isAccount: Bool, isStaff: Bool, isConsole: Bool, sections: [Section]) {
        self.isAccount = isAccount
        self.isStaff = isStaff
        self.isConsole = isConsole
        self.sections = sections
    }

    /// Marks the link whose address is the longest prefix of `path` as current.
    mutating func markCurrent(_ path: String) {
        // "/" (the console's tenants list) is current on itself only, not as a prefix of everything.
        let matches = sections.flatMap(\.links).map(\.url).filter { url in
            path == url || (url != "/" && path.hasPrefix(url + "/"))
        }
        if let best = matches.max(by: { $0.count < $1.count }) {
            for section in sections.indices {
                for link in sections[section].links.indices where sections[section].links[link].url == best {
                    sections[section].links[link].current = true
                    sections[section].links[link].currentValue = path == best ? "page" : "true"
                }
            }
        }
        links = sections.flatMap(\.links)
        currentLabel = current?.label
    }

    /// The current link, if any.
    var current: Link? { links.first(where: \.current) }
}

extension AreaFrame {
    /// The customer area: one menu, current section marked. Built once per section and reused: every signed-in
    /// customer page shows it. The kept frames hold message keys; each request reads them in its own language.
    static func account(path: String) -> AreaFrame {
        // The longest menu address that is the path or a folder above it; no strings are built to find it.
        var best: String?
        for url in accountURLs where url.utf8.count > best?.utf8.count ?? -1 {
            if path == url || (path.hasPrefix(url) && path.utf8.dropFirst(url.utf8.count).first == UInt8(ascii: "/")) {
                best = url
            }
        }
        let key = FrameKey(
            language: Localizer.current?.key ?? Languages.english, url: best ?? "", exact: best == path)
        // Translated once per language chain and variant (a few dozen in all), not on every page.
        if let translated = translatedAccountFrames.withLock({ $0[key] }) { return translated }
        let frame = best.map { (key.exact ? accountPages : accountSections)[$0] ?? accountMenu } ?? accountMenu
        let translated = frame.translated()
        translatedAccountFrames.withLock { $0[key] = translated }
        return translated
    }

    /// A translated customer frame: the language chain, the menu address marked current (none: "") and whether the
    /// page is that address itself or below it.
    private struct FrameKey: Hashable {
        let language: String
        let url: String
        let exact: Bool
    }

    private static let translatedAccountFrames = Mutex<[FrameKey: AreaFrame]>([:])
    private static let accountURLs = accountMenu.links.map(\.url)

    /// This frame with its section titles and link labels (message keys) in the reader's language.
    private func translated() -> AreaFrame {
        var frame = self
        frame.sections = sections.map { section in
            Section(
                title: tr(section.title),
                links: section.links.map { link in
                    var copy = Link(label: tr(link.label), url: link.url)
                    copy.current = link.current
                    copy.currentValue = link.currentValue
                    return copy
                })
        }
        frame.links = frame.sections.flatMap(\.links)
        frame.currentLabel = frame.current?.label
        return frame
    }

    private static let accountMenu: AreaFrame = {
        var frame = AreaFrame(
            isAccount: true, isStaff: false, isConsole: false,
            sections: [
                Section(
                    title: "frame.account.title",
                    links: [
                        Link(label: "frame.account.dashboard", url: AccountPaths.home.link()),
                        Link(label: "frame.account.services", url: AccountPaths.services.link()),
                        Link(label: "frame.account.domains", url: AccountPaths.domains.link()),
                        Link(label: "frame.account.certificates", url: AccountPaths.certificates.link()),
                        Link(label: "frame.account.cloud_servers", url: AccountPaths.cloudServers.link()),
                        Link(label: "frame.account.invoices", url: AccountPaths.invoices.link()),
                        Link(label: "frame.account.orders", url: AccountPaths.orders.link()),
                        Link(label: "frame.account.support", url: AccountPaths.tickets.link()),
                        Link(label: "frame.account.profile", url: AccountPaths.profile.link()),
                        Link(label: "frame.account.security", url: SignInPaths.customer.security.link()),
                    ])
            ])
        frame.markCurrent("")
        return frame
    }()

    /// The menu marked on each section's own page ("page") and below it ("true").
    private static let accountPages = Dictionary(
        uniqueKeysWithValues: accountMenu.links.map { link in
            var frame = accountMenu
            frame.markCurrent(link.url)
            return (link.url, frame)
        })
    private static let accountSections = Dictionary(
        uniqueKeysWithValues: accountMenu.links.map { link in
            var frame = accountMenu
            frame.markCurrent(link.url + "/-")
            return (link.url, frame)
        })

    /// What the staff sidebar counts: work waiting for someone.
    package struct StaffCounts: Sendable, Equatable {
        package var openTickets = 0
        package var failedJobs = 0
        package var unpaidInvoices = 0
    }

    /// The staff area: the sections `role` may open, with counts, and breadcrumbs to the current section.
    static func staff(path: String, role: Account.Role, counts: StaffCounts) -> AreaFrame {
        func link(_ label: String, _ path: RoutePath, count: Int = 0, counting: (String, String) = ("", "")) -> Link {
            Link(label: label, url: path.link(), count: count, counting: counting)
        }
        var sections = [
            Section(title: "Overview", links: [link("Dashboard", AdminPaths.home)]),
            Section(
                title: "Sales",
                links: [
                    link(
                        "Orders", AdminPaths.orders, count: counts.failedJobs,
                        counting: ("failed set-up", "failed set-ups")),
                    link("Customers", AdminPaths.customers),
                    link("Products", AdminPaths.products),
                    link(
                        "Reports", AdminPaths.reports, count: counts.unpaidInvoices,
                        counting: ("unpaid invoice", "unpaid invoices")),
                ]),
            Section(
                title: "Support",
                links: [
                    link(
                        "Tickets", AdminPaths.tickets, count: counts.openTickets,
                        counting: ("open ticket", "open tickets")),
                    link("Help centre", AdminPaths.help),
                ]),
        ]
        if role >= .admin {
            sections.append(
                Section(
                    title: "Site",
                    links: [
                        link("Pages", ContentPaths.adminPages), link("News", ContentPaths.adminNews),
                        link("Menu and home page", ContentPaths.adminSite), link("Images", ContentPaths.adminImages),
                    ]))
        }
        var brand: [Link] = []
        if role >= .admin {
            brand += [link("Brand studio", AdminPaths.brand), link("Emails", AdminPaths.brandEmails)]
            brand.append(link("Mail log", AdminPaths.mail))
        }
        if role == .owner {
            brand += [
                link("Domains", AdminPaths.domains), link("Connections", AdminPaths.integrations),
                link("Payments", AdminPaths.payments),
                link("Staff", AdminPaths.staff), link("API keys", AdminPaths.apiKeys),
            ]
        }
        if role >= .admin { brand.append(link("Audit log", AdminPaths.audit)) }
        if !brand.isEmpty { sections.append(Section(title: "Brand and settings", links: brand)) }
        sections.append(
            Section(
                title: "You",
                links: [link("Style guide", AdminPaths.style), link("Your security", SignInPaths.staff.security)]
            ))
        var frame = AreaFrame(isAccount: false, isStaff: true, isConsole: false, sections: sections)
        frame.markCurrent(path)
        if let current = frame.current, current.url != AdminPaths.home.link() {
            frame.breadcrumbs = [Crumb(label: "Staff", url: AdminPaths.home.link())]
            if path != current.url { frame.breadcrumbs.append(Crumb(label: current.label, url: current.url)) }
            frame.hasBreadcrumbs = true
        }
        return frame
    }

    /// The platform console: tenants, onboarding, audit and security.
    static func console(path: String) -> AreaFrame {
        var frame = AreaFrame(
            isAccount: false, isStaff: false, isConsole: true,
            sections: [
                Section(
                    title: "Platform",
                    links: [
                        Link(label: "Tenants", url: ConsolePaths.home.link()),
                        Link(label: "Onboard a brand", url: ConsolePaths.onboarding.link()),
                        Link(label: "Operations", url: ConsolePaths.operations.link()),
                        Link(label: "Nodes", url: ConsolePaths.nodes.link()),
                        Link(label: "Audit log", url: ConsolePaths.audit.link()),
                        Link(label: "Security", url: SignInPaths.platform.security.link()),
                    ])
            ])
        frame.markCurrent(path.hasPrefix("/tenants/") ? ConsolePaths.home.link() : path)
        return frame
    }
}
