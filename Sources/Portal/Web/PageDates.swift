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

    /// The proleptic Gregorian date and time of `date` in UTC, by integer arithmetic (the inverse of
    /// days-from-civil, as in Howard Hinnant's date algorithms): Foundation's `Calendar.dateComponents` cost a
    /// visible share of every signed-in page.
    static func utc(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (quotient, remainder) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (days, second) = remainder < 0 ? (quotient - 1, remainder + 86_400) : (quotient, remainder)
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153  // March = 0
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, second / 3_600, second % 3_600 / 60)
    }
}
