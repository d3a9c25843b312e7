import Branding
import Foundation
import Tenancy

/// Dates on pages, in UTC. Formatted by hand from calendar components: a `DateFormatter` costs about a
/// millisecond to make on Linux, which dominated signed-in pages, and is not safe to share between threads.
enum PageDates {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "26 Nov 2026, 14:05 UTC".
    static func format(_ date: Date) -> String {
        if let localizer = Localizer.current, !localizer.isEnglish { return localizer.dateTime(date) }
        let parts = utc(date)
        let (hour, minute) = (parts.hour, parts.minute)
        return "\(parts.day) \(months[parts.month - 1]) \(parts.year), "
            + "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) UTC"
    }

    /// "2026-11-26", for comparing with WHMCS's dates.
    static func day(_ date: Date) -> String {
        let parts = utc(date)
        let (month, day) = (parts.month, parts.day)
        return "\(parts.year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// The date and time of `date` in UTC (`UTCDate`).
    static func utc(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        UTCDate.parts(date)
    }
}
