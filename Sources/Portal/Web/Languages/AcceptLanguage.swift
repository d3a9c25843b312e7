/// Picks the first language of an `Accept-Language` header (RFC 9110 §12.5.4) that a brand offers.
enum AcceptLanguage {
    /// The offered code the header prefers most: by quality, then by order; `ar-SA` matches `ar`, `pt-BR` matches
    /// `pt-br` before `pt`. A quality of 0 refuses a language. Nil when nothing offered is acceptable.
    static func preferred(_ header: String?, offered: [String]) -> String? {
        guard let header, !header.isEmpty else { return nil }
        var ranges: [(tag: String, quality: Double, order: Int)] = []
        for (order, part) in header.split(separator: ",").prefix(32).enumerated() {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = fields.first?.lowercased(), !tag.isEmpty, tag.count <= 35 else { continue }
            var quality = 1.0
            for field in fields.dropFirst() where field.lowercased().hasPrefix("q=") {
                quality = Double(field.dropFirst(2)) ?? 0
            }
            ranges.append((tag, min(max(quality, 0), 1), order))
        }
        let ordered = ranges.filter { $0.quality > 0 }.sorted {
            $0.quality != $1.quality ? $0.quality > $1.quality : $0.order < $1.order
        }
        for range in ordered {
            if offered.contains(range.tag) { return range.tag }
            let primary = String(range.tag.split(separator: "-").first ?? "")
            if offered.contains(primary) { return primary }
            if range.tag == "*" { return nil }
        }
        return nil
    }
}
