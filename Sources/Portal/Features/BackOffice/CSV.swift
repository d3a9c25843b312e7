import Foundation

/// CSV as RFC 4180 writes it (CRLF lines; a field with a comma, quote or line break is quoted, quotes doubled), with
/// spreadsheet formula injection guarded: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
/// gets a leading `'`, so Excel, LibreOffice and Sheets show it as text instead of running it.
package enum CSV {
    package enum Cell: Sendable, Equatable {
        case text(String)
        /// Written as is: numbers are never formulas, and a negative amount keeps its sign.
        case number(String)
    }

    package static func document(header: [String], rows: [[Cell]]) -> String {
        ([header.map(Cell.text)] + rows).map(line).joined()
    }

    package static func line(_ cells: [Cell]) -> String {
        cells.map(field).joined(separator: ",") + "\r\n"
    }

    package static func field(_ cell: Cell) -> String {
        let text: String
        switch cell {
        case .number(let value): text = value
        case .text(let value):
            let risky = value.first.map { $0 == "\t" || $0.isNewline || "=+-@".contains($0) } ?? false
            text = risky ? "'" + value : value
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A minor-unit amount as a plain decimal number (`1234.50`, `-3.00`), for a spreadsheet to add up.
    package static func amount(minor: Int64, currency: String) -> Cell {
        .number((minor < 0 ? "-" : "") + Money.plain(minor.magnitude, currency: currency, grouped: false))
    }
}
