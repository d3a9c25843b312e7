import Branding
import Foundation
import Integrations
import Tenancy

extension OrderSteps {
    // MARK: Errors

    /// For staff and logs; customers never see it.
    static func describe(_ error: any Error) -> String {
        if let problem = error as? OrderProblem { return problem.description }
        return TenantUpstreams.describe(error)
    }

    /// Retrying cannot help: settings are missing or refused, the data is inconsistent, or WHMCS refused the
    /// customer's details.
    static func isPermanent(_ error: any Error) -> Bool {
        switch error {
        case is OrderProblem, is UpstreamMappingError, is UpstreamSettingsError: return true
        case let error as UpstreamError:
            if case .notConfigured = error { return true }
            if case .authenticationFailed = error { return true }
            return false
        default: return false
        }
    }

    /// `YYYY-MM-DD HH:mm:ss` in UTC, as AddInvoicePayment wants.
    static func whmcsDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
