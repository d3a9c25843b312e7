import Foundation
import Testing

@testable import Portal

@Suite("Dates on pages")
struct PageDatesTests {
    @Test("UTC dates by integer arithmetic match Foundation's Gregorian calendar, leap days and 1969 included")
    func matchesCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var moments: [TimeInterval] = [
            0, -1, -86_400, -86_401, 951_782_400, 951_868_799, 951_868_800,  // 1970, 1969, 2000-02-29
            4_107_456_000, 4_107_542_399, 1_798_761_599, 1_798_761_600, -2_208_988_800,  // 2100-02-28/…, 2027, 1900
        ]
        // A deterministic spread over 1900–2150, not only the chosen edges.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            moments.append(-2_208_988_800 + Double(seed % 7_890_000_000))
        }
        for moment in moments {
            let date = Date(timeIntervalSince1970: moment)
            let expected = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            let parts = PageDates.utc(date)
            #expect(
                [parts.year, parts.month, parts.day, parts.hour, parts.minute]
                    == [expected.year, expected.month, expected.day, expected.hour, expected.minute].map { $0 ?? -1 },
                "\(moment)")
        }
    }

    @Test("the English formats")
    func formats() {
        let date = Date(timeIntervalSince1970: 1_795_699_500)  // 2026-11-26 13:25 UTC
        #expect(PageDates.day(date) == "2026-11-26")
        #expect(PageDates.format(date) == "26 Nov 2026, 13:25 UTC")
        #expect(PageDates.day(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29")
        #expect(PageDates.format(Date(timeIntervalSince1970: -60)) == "31 Dec 1969, 23:59 UTC")
    }
}
