import Foundation

/// Calendar dates in UTC by integer arithmetic (the inverse of days-from-civil, as in Howard Hinnant's date
/// algorithms): Foundation's `Calendar` and `DateFormatter` cost a visible share of pages and figures on Linux.
package enum UTCDate {
    /// The proleptic Gregorian date and time of `date` in UTC.
    package static func parts(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (quotient, remainder) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (days, second) = remainder < 0 ? (quotient - 1, remainder + 86_400) : (quotient, remainder)
        let (year, month, day) = civil(days: days)
        return (year, month, day, second / 3_600, second % 3_600 / 60)
    }

    /// The date `days` after 1970-01-01.
    package static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153  // March = 0
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// "2026-11", "2026-11-26".
    package static func monthKey(year: Int, month: Int) -> String {
        "\(year)-\(month < 10 ? "0" : "")\(month)"
    }

    package static func dayKey(year: Int, month: Int, day: Int) -> String {
        monthKey(year: year, month: month) + "-\(day < 10 ? "0" : "")\(day)"
    }
}
