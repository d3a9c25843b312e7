import Foundation

/// The time zone a brand's pages and emails use until its owner picks one: the main zone of the brand's country
/// (its capital's, for countries that span several), else UTC.
enum CountryZones {
    static let zones: [String: String] = [
        "GB": "Europe/London", "IE": "Europe/Dublin", "US": "America/New_York", "CA": "America/Toronto",
        "AU": "Australia/Sydney", "NZ": "Pacific/Auckland", "AE": "Asia/Dubai", "SA": "Asia/Riyadh",
        "QA": "Asia/Qatar", "KW": "Asia/Kuwait", "BH": "Asia/Bahrain", "OM": "Asia/Muscat", "JO": "Asia/Amman",
        "EG": "Africa/Cairo", "IN": "Asia/Kolkata", "PK": "Asia/Karachi", "SG": "Asia/Singapore",
        "MY": "Asia/Kuala_Lumpur", "HK": "Asia/Hong_Kong", "JP": "Asia/Tokyo", "KR": "Asia/Seoul",
        "CN": "Asia/Shanghai", "ZA": "Africa/Johannesburg", "NG": "Africa/Lagos", "KE": "Africa/Nairobi",
        "DE": "Europe/Berlin", "FR": "Europe/Paris", "ES": "Europe/Madrid", "IT": "Europe/Rome",
        "NL": "Europe/Amsterdam", "BE": "Europe/Brussels", "PT": "Europe/Lisbon", "CH": "Europe/Zurich",
        "AT": "Europe/Vienna", "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen",
        "FI": "Europe/Helsinki", "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "GR": "Europe/Athens",
        "TR": "Europe/Istanbul", "RO": "Europe/Bucharest", "BR": "America/Sao_Paulo", "MX": "America/Mexico_City",
        "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago", "CO": "America/Bogota",
    ]

    /// The zone of `country`, if one is known and this system has it.
    static func zone(for country: String) -> TimeZone? {
        zones[country.uppercased()].flatMap(TimeZone.init(identifier:))
    }
}
