import Foundation
import Tenancy

/// A message shown above a form or page: a confirmation or a problem.
package struct Notice: Sendable {
    package let text: String
    package let isError: Bool

    package static func success(_ text: String) -> Notice { Notice(text: text, isError: false) }
    package static func error(_ text: String) -> Notice { Notice(text: text, isError: true) }
}

/// The sign-in page, for customers (`/login`) and staff (`/admin/login`).
package struct LoginPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let heading: String
    package let action: String
    package let forgotURL: String
    package let offerSignUp: Bool
    package var email = ""
    package var next = ""
    package var notice: Notice?
}

package struct SignupPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var name = ""
    package var email = ""
    package var company = ""
    package var nameError: String?
    package var emailError: String?
    package var companyError: String?
    package var passwordError: String?
    package var notice: Notice?
    /// Where to go after signing in (an order being placed); a local path only.
    package var next = ""
}

package struct ForgotPasswordPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let action: String
    package var email = ""
    package var emailError: String?
    package var notice: Notice?
}

package struct ResetPasswordPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let heading: String
    package let action: String
    package let token: String
    package let askName: Bool
    package var name = ""
    package var nameError: String?
    package var passwordError: String?
}

/// A one-message page: "check your inbox", "email verified", "link expired".
package struct MessagePage: Sendable {
    package let chrome: StorefrontChrome
    package let title: String
    package let message: String
    package let linkURL: String?
    package let linkLabel: String?
}

/// `/account/security` and `/admin/security`.
package struct SecurityPage: Sendable {
    package struct SessionRow: Sendable {
        package let reference: String
        package let device: String
        package let ip: String
        package let lastSeen: String
        package let isCurrent: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let basePath: String
    package let homePath: String
    package let logoutPath: String
    package let email: String
    package let sessions: [SessionRow]
    package let hasOtherSessions: Bool
    package var notice: Notice?
    package var currentPasswordError: String?
    package var newPasswordError: String?
    package var emailError: String?
}

/// `/admin`: the staff home.
package struct StaffHomePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let name: String
    package let role: String
    package let canManageStaff: Bool
    package let canReadAudit: Bool
    package let showMailbox: Bool
    /// Set while the platform has suspended the brand: why, for its staff to read.
    package var suspendedReason: String? = nil
    package var dashboard: StaffDashboard? = nil
}

/// The figures at the top of `/admin`, formatted, with both charts as SVG and as tables.
package struct StaffDashboard: Sendable {
    package struct Figure: Sendable {
        package let label: String
        package let value: String
        package let detail: String
        package let link: String?
        package let alert: Bool
    }

    package struct Row: Sendable {
        package let label: String
        package let value: String
    }

    package let figures: [Figure]
    package let services: [Row]
    package let hasServices: Bool
    package let revenueChart: String
    package let revenueRows: [Row]
    package let ordersChart: String
    package let orderRows: [Row]

    init(_ figures: BackOfficeFigures, currency: String) {
        func money(_ minor: Int64) -> String { Money.format(minor: minor, currency: currency) }
        self.figures = [
            .init(label: "Monthly recurring revenue", value: money(figures.monthlyRecurringMinor), detail: "active services, as a monthly figure", link: nil, alert: false),
            .init(label: "New orders this month", value: String(figures.newOrders), detail: "\(figures.cancellations) cancellation request\(figures.cancellations == 1 ? "" : "s")", link: "/admin/orders", alert: false),
            .init(label: "Unpaid invoices", value: money(figures.unpaidMinor), detail: "\(figures.unpaidCount) invoice\(figures.unpaidCount == 1 ? "" : "s")", link: nil, alert: false),
            .init(label: "Overdue", value: money(figures.overdueMinor), detail: "\(figures.overdueCount) invoice\(figures.overdueCount == 1 ? "" : "s") past due", link: nil, alert: figures.overdueCount > 0),
            .init(label: "Open tickets", value: String(figures.openTickets), detail: "not closed", link: "/admin/tickets", alert: false),
            .init(label: "Failed jobs", value: String(figures.failedJobs), detail: "orders waiting for a retry", link: "/admin/orders?status=failed", alert: figures.failedJobs > 0),
        ]
        services = figures.servicesByKind.map { .init(label: Product.Kind(rawValue: $0.kind)?.label ?? "Other", value: String($0.count)) }
        hasServices = !services.isEmpty
        let monthBars = figures.revenueByMonth.map { month, total in
            BarChart.Bar(label: Self.shortMonth(month), value: Double(total), text: money(total))
        }
        revenueChart = BarChart(
            id: "revenue-chart", title: "Revenue by month, last 12 months",
            summary: "Paid invoices per month in \(currency.uppercased()); the table below lists the same figures.", bars: monthBars
        ).svg
        revenueRows = zip(figures.revenueByMonth, monthBars).map { .init(label: ReportsController.monthName($0.month), value: $1.text) }
        let dayBars = figures.ordersPerDay.map { day, count in
            BarChart.Bar(label: String(day.suffix(5)), value: Double(count), text: "\(count) order\(count == 1 ? "" : "s")")
        }
        ordersChart = BarChart(
            id: "orders-chart", title: "Orders per day, last 30 days",
            summary: "New orders placed each day; the table below lists the same figures.", bars: dayBars, labelEvery: 7
        ).svg
        orderRows = zip(figures.ordersPerDay, dayBars).map { .init(label: $0.day, value: $1.text) }
    }

    /// `2026-03` → `Mar 26`.
    static func shortMonth(_ month: String) -> String {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let number = Int(parts[1]), (1...12).contains(number) else { return month }
        return "\(Calendar(identifier: .gregorian).shortMonthSymbols[number - 1]) \(parts[0].suffix(2))"
    }
}

/// `/admin/staff`: the owner's staff list and invitation form.
package struct StaffListPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let name: String
        package let email: String
        package let role: String
        package let pending: Bool
        package let isSelf: Bool
        package let hasSecondFactor: Bool
        package let roleOptions: [RoleOption]
    }

    package struct RoleOption: Sendable {
        package let value: String
        package let selected: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let twoFactorRequired: Bool
    package let inviteRoles: [RoleOption]
    package var inviteEmail = ""
    package var inviteError: String?
    package var notice: Notice?
}

/// `/admin/audit`.
package struct AuditPage: Sendable {
    package struct Row: Sendable {
        package let at: String
        package let actor: String
        package let action: String
        package let target: String
        package let detail: String
        package let ip: String
    }

    /// One row per entry, newest first as the store returns them.
    package static func rows(_ entries: [AuditEntry]) -> [Row] {
        entries.map {
            Row(at: PageDates.format($0.at), actor: $0.actor, action: $0.action, target: $0.target, detail: $0.detail,
                ip: $0.ip)
        }
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let action: String
    package let actor: String
    package let isEmpty: Bool
}

/// `/admin/mailbox`: what the portal would have emailed, readable in demo and sandbox mode.
package struct MailboxPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let at: String
        package let to: String
        package let subject: String
        package let body: String
        package let status: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let isEmpty: Bool
}

/// Dates on pages, in UTC. Formatted by hand from calendar components: a `DateFormatter` costs about a
/// millisecond to make on Linux, which dominated signed-in pages, and is not safe to share between threads.
enum PageDates {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "26 Nov 2026, 14:05 UTC".
    static func format(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let hour = parts.hour ?? 0, minute = parts.minute ?? 0
        return "\(parts.day ?? 1) \(months[((parts.month ?? 1) - 1) % 12]) \(parts.year ?? 1970), "
            + "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) UTC"
    }

    /// "2026-11-26", for comparing with WHMCS's dates.
    static func day(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let month = parts.month ?? 1, day = parts.day ?? 1
        return "\(parts.year ?? 1970)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }
}

/// `…/security/two-factor` before enrolment: the QR code, the secret in text, and the code field.
package struct TwoFactorSetupPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let basePath: String
    /// Generated by `QRCode.svg`, which escapes its only text; rendered unescaped.
    package let qrSVG: String
    package let secretGroups: String
    package let required: Bool
    package var codeError: String?
}

/// `…/security/two-factor` once enrolled: status, recovery codes left, turn off or renew codes.
package struct TwoFactorStatusPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let basePath: String
    package let remainingCodes: Int
    package let canDisable: Bool
    package var notice: Notice?
}

/// Shown once, right after enrolment or renewal.
package struct RecoveryCodesPage: Sendable {
    package let chrome: StorefrontChrome
    package let basePath: String
    package let codes: [String]
}

/// The second step of signing in.
package struct TwoFactorChallengePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let action: String
    package var notice: Notice?
}

/// The platform console's home: every tenant with its status and primary domain.
