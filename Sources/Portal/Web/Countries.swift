import Foundation

/// The world's countries by ISO 3166 code, named in English, for the lists people choose from (billing details, a
/// brand's country) instead of typing a code.
package enum Countries {
    package struct Option: Sendable, Encodable {
        package let code: String
        package let name: String
        package let selected: Bool
    }

    /// Every country (two-letter region with a name), sorted by name.
    package static let all: [(code: String, name: String)] = Locale.Region.isoRegions.compactMap { region in
        let code = region.identifier
        guard code.count == 2, code.allSatisfy(\.isLetter), region.subRegions.isEmpty,
            let name = DisplayCalendar.locale.localizedString(forRegionCode: code), name != code
        else { return nil }
        return (code, name)
    }.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }

    private static let codes = Set(all.map(\.code))

    package static func isKnown(_ code: String) -> Bool { codes.contains(code) }

    package static func name(of code: String) -> String? { all.first { $0.code == code }?.name }

    /// The list with `selected` marked (none when it is empty or unknown).
    package static func options(selected: String) -> [Option] {
        all.map { Option(code: $0.code, name: $0.name, selected: $0.code == selected) }
    }
}
