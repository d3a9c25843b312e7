import Foundation

/// The calendar dates and month names are shown with. Without a locale, Foundation on Linux names months "M01";
/// brands are English-language until they can choose their language.
enum DisplayCalendar {
    static let locale = Locale(identifier: "en_GB")

    static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.locale = locale
        return calendar
    }()
}
