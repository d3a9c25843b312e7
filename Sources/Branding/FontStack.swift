import GRDB

/// The curated system font stacks a brand can choose from; no remote fonts are ever loaded.
package enum FontStack: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case system
    case humanist
    case geometric
    case classical
    case monospace

    package var css: String {
        switch self {
        case .system:
            "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif"
        case .humanist:
            "Seravek, \"Gill Sans Nova\", Ubuntu, Calibri, \"DejaVu Sans\", source-sans-pro, sans-serif"
        case .geometric:
            "Avenir, Montserrat, Corbel, \"URW Gothic\", source-sans-pro, sans-serif"
        case .classical:
            "\"Iowan Old Style\", \"Palatino Linotype\", \"URW Palladio L\", P052, serif"
        case .monospace:
            "ui-monospace, \"Cascadia Code\", \"Source Code Pro\", Menlo, Consolas, \"DejaVu Sans Mono\", monospace"
        }
    }
}
