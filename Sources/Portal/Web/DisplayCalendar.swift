import Branding
import Foundation

/// The calendar dates and month names are shown with. Without a locale, Foundation on Linux names months "M01".
/// English is written by hand (fast, and the same on every machine); other languages through the reader's locale
/// (`Localizer.current`).
enum DisplayCalendar {
    static let locale = Locale(identifier: "en_GB")

    static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.locale = locale
        return calendar
    }()

    /// "January" … "December", and "Jan" … "Dec": each read of the calendar's symbols asks ICU again.
    static let monthNames = gregorian.monthSymbols
    static let shortMonthNames = gregorian.shortMonthSymbols

    /// "2026-12-06" (or a WHMCS date-time) as "6 December 2026"; anything else as it came.
    static func longDate(_ text: String) -> String {
        guard let date = parse(text) else { return text }
        return long(date)
    }

    /// A WHMCS day ("2027-01-07") as the reader's language writes it: as it is in English (lists of dates line up
    /// and compare), in words in any other ("٧ يناير ٢٠٢٧").
    static func readerDay(_ text: String) -> String {
        guard let localizer = Localizer.current, !localizer.isEnglish else { return text }
        return longDate(text)
    }

    /// The period a service line pays for: from `start` for one billing `cycle`, ending the day before the next one;
    /// nil for one-time and free services or dates it cannot read.
    static func servicePeriod(from start: String, cycle: String) -> String? {
        let months = [
            "monthly": 1, "quarterly": 3, "semi-annually": 6, "annually": 12, "biennially": 24, "triennially": 36,
        ][cycle.lowercased()]
        guard let months, let first = parse(start),
            let next = utc.date(byAdding: .month, value: months, to: first),
            let last = utc.date(byAdding: .day, value: -1, to: next)
        else { return nil }
        guard let localizer = Localizer.current, !localizer.isEnglish else { return "\(long(first)) to \(long(last))" }
        return localizer.text("dates.period", ["from": long(first), "to": long(last)])
    }

    private static let utc: Calendar = {
        var calendar = gregorian
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func parse(_ text: String) -> Date? {
        let day = String(text.prefix(10))
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, parts[0] > 1900 else { return nil }
        return utc.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    /// `date` as "2026-12-06" (UTC).
    static func day(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 1, parts.day ?? 1)
    }

    /// "6 December 2026" (the day in UTC).
    private static func long(_ date: Date) -> String { longDate(date, in: utc.timeZone) }

    /// `date` as "6 December 2026", the day as it is in `zone`: how pages and emails write a date.
    static func longDate(_ date: Date, in zone: TimeZone) -> String {
        if let localizer = Localizer.current, !localizer.isEnglish { return localizer.longDate(date, in: zone) }
        var calendar = gregorian
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(parts.day ?? 1) \(gregorian.monthSymbols[(parts.month ?? 1) - 1]) \(parts.year ?? 0)"
    }
}
