import Foundation
import TestSupport
import Testing

@testable import Portal
@testable import Tenancy

/// An `Encodable` page renders from the tree its own `encode(to:)` builds: the same tree reflection builds.
@Suite("Page trees from Encodable models")
struct PageTreeEncoderTests {
    /// A tree written out with its keys sorted and each plain value's type, so two trees compare as text.
    static func canonical(_ tree: Any?) -> String {
        switch tree {
        case nil: "nil"
        case let fields as [String: Any]:
            "{" + fields.keys.sorted().map { "\($0): \(canonical(fields[$0]))" }.joined(separator: ", ") + "}"
        case let elements as [Any]: "[" + elements.map(canonical).joined(separator: ", ") + "]"
        case let text as String: "\"\(text)\""
        case let value?: "\(type(of: value))(\(value))"
        }
    }

    private static func chrome() -> StorefrontChrome {
        var chrome = StorefrontChrome(
            tenantName: "Acme", tagline: "Hosting", stylesheetURL: "/s.css", themeURL: nil, logoURL: "/l.png",
            year: 2026)
        chrome.update { fields in
            fields.frame = AreaFrame.staff(path: "/admin", role: .owner, counts: .init(openTickets: 2, failedJobs: 1))
            fields.csrf = "token"
            fields.impersonation = .init(customer: "c@example.com", staff: "s@example.com", csrf: "token")
            fields.footerLinks = [.init(label: "Terms", url: "/terms")]
            fields.hasFooterLinks = true
            fields.languageLinks = [
                .init(code: "en", name: "English", url: "/", absoluteURL: "https://a/", isCurrent: true)
            ]
            fields.announcement = .init(text: "Maintenance tonight", url: "/news")
        }
        return chrome
    }

    private static let figures = BackOfficeFigures(
        monthlyRecurringMinor: 123_456, newOrders: 3, cancellations: 1,
        servicesByKind: [(kind: "shared_hosting", count: 4), (kind: "vps", count: 1)], unpaidMinor: 9_900,
        unpaidCount: 2, overdueMinor: 4_900, overdueCount: 1, openTickets: 5, failedJobs: 0,
        revenueByMonth: [(month: "2026-11", totalMinor: 10_000), (month: "2026-12", totalMinor: 0)],
        ordersPerDay: [(day: "2026-12-06", count: 2), (day: "2026-12-07", count: 0)])

    @Test("the staff home and its dashboard: the same tree as reflection, every optional set and unset")
    func staffHome() throws {
        let raised = Date(timeIntervalSince1970: 1_790_000_000)
        var page = StaffHomePage(
            chrome: Self.chrome(), csrf: "token", name: "Owner", role: "owner", canManageStaff: true,
            canReadAudit: true, showMailbox: false)
        var cleared = Alert(incident: "b", kind: "k", title: "Done", detail: "d", raisedAt: raised)
        cleared.clearedAt = raised
        page.alerts = [
            .init(Alert(incident: "a", kind: "k", title: "Open", detail: "d", raisedAt: raised)), .init(cleared),
        ]
        page.hasAlerts = true
        let unset = StaffHomePage(
            chrome: StorefrontChrome(
                tenantName: "B", tagline: "", stylesheetURL: "/s.css", themeURL: nil, logoURL: nil, year: 2026),
            csrf: "", name: "Support", role: "support", canManageStaff: false, canReadAudit: false,
            showMailbox: true)
        page.openAlerts = "1 open"
        page.dashboardHTML = "<p>figures</p>"
        page.suspendedReason = "Unpaid platform invoice"
        for model in [page, unset] {
            let encoded = Self.canonical(try PageTreeEncoder.tree(model))
            #expect(encoded == Self.canonical(PageRenderer.tree(model)))
            #expect(encoded.contains("frame: {") == (model.name == "Owner"))
        }
        let dashboard = StaffDashboard(Self.figures, currency: "GBP")
        #expect(Self.canonical(try PageTreeEncoder.tree(dashboard)) == Self.canonical(PageRenderer.tree(dashboard)))
    }

    private struct Sample: Encodable {
        struct Inner: Encodable {
            let text: String
            let note: String?
        }
        let count: Int64
        let ratio: Double
        let flag: Bool
        let small: Int8
        let names: [String?]
        let inner: Inner?
        let missing: Inner?
        let rows: [Inner]
        let table: [String: Inner]
        let empty: [Int]
    }

    @Test("plain values keep their type; nil optionals are left out, in fields and in lists; dictionaries by key")
    func plainValues() throws {
        let sample = Sample(
            count: 7, ratio: 0.5, flag: true, small: 3, names: ["a", nil, "b"], inner: .init(text: "x", note: nil),
            missing: nil, rows: [.init(text: "r", note: "n")], table: ["k": .init(text: "v", note: "w")], empty: [])
        let encoded = Self.canonical(try PageTreeEncoder.tree(sample))
        #expect(encoded == Self.canonical(PageRenderer.tree(sample)))
        #expect(encoded.contains("count: Int64(7)") && encoded.contains(#"names: ["a", "b"]"#))
        #expect(!encoded.contains("missing") && !encoded.contains("note: nil"))
    }

    @Test("an Encodable page renders as it did through reflection")
    func rendersTheSame() async throws {
        let renderer = try await PageRenderer(
            directory: TestPaths.assets + "/templates", languages: TestLanguages.shipped, eager: false)
        let dashboard = StaffDashboard(Self.figures, currency: "GBP")
        // `some Sendable` alone takes the reflecting path; the Encodable overload is chosen for the model itself.
        let reflected = try renderer.render(dashboard as any Sendable, template: "admin/dashboard")
        let encoded = try renderer.render(dashboard, template: "admin/dashboard")
        #expect(encoded == reflected && encoded.contains("£1,234.56"))
    }
}
