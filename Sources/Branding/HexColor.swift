import Foundation
import GRDB

/// A validated `#rrggbb` colour, stored lower-case.
package struct HexColor: Hashable, Sendable, Codable, CustomStringConvertible, DatabaseValueConvertible {
    package let hex: String

    package init(_ raw: String) throws(BrandError) {
        let lowered = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let bytes = Array(lowered.utf8)
        let isHexDigit: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        guard bytes.count == 7, bytes[0] == UInt8(ascii: "#"), bytes.dropFirst().allSatisfy(isHexDigit) else {
            throw .invalidColor(raw)
        }
        hex = lowered
    }

    package var description: String { hex }

    /// Red, green and blue in 0...255.
    package var components: (red: Int, green: Int, blue: Int) {
        let value = Int(hex.dropFirst(), radix: 16) ?? 0
        return ((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)
    }

    package init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
    package var databaseValue: DatabaseValue { hex.databaseValue }
    package static func fromDatabaseValue(_ dbValue: DatabaseValue) -> HexColor? {
        String.fromDatabaseValue(dbValue).flatMap { try? HexColor($0) }
    }
}

extension HexColor {
    /// This colour laid over `base` at `amount` (0 is `base`, 1 is this colour), channel by channel.
    package func mixed(into base: HexColor, amount: Double) -> HexColor {
        let (r, g, b) = components
        let (br, bg, bb) = base.components
        func blend(_ top: Int, _ bottom: Int) -> Int {
            min(255, max(0, Int((Double(bottom) + (Double(top) - Double(bottom)) * amount).rounded())))
        }
        let digits = Array("0123456789abcdef")
        let hex = [blend(r, br), blend(g, bg), blend(b, bb)].map { String([digits[$0 >> 4], digits[$0 & 15]]) }
        // Always six valid hex digits, so this cannot fail.
        return try! HexColor("#" + hex.joined())
    }
}
