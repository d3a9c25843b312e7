import Foundation

/// What can go wrong with a brand, with a message fit for a person.
package enum BrandError: Error, Equatable, CustomStringConvertible {
    case invalidColor(String)
    case missingBrandRow
    case unsupportedImage(reason: String)
    case imageTooLarge(bytes: Int, limit: Int)
    case imageDimensionsTooLarge(width: Int, height: Int, limit: Int)
    case svgRefused

    package var description: String {
        switch self {
        case .invalidColor(let raw):
            "\"\(raw)\" is not a colour; use six hexadecimal digits such as #1f4fd1"
        case .missingBrandRow:
            "the tenant database has no brand row; run `portal migrate`"
        case .unsupportedImage(let reason):
            reason
        case .imageTooLarge(let bytes, let limit):
            "the file is \(Self.size(bytes)); the limit is \(Self.size(limit))"
        case .svgRefused:
            "SVG files are refused because they can contain scripts that would run on your site; upload a PNG, JPEG or WebP"
        case .imageDimensionsTooLarge(let width, let height, let limit):
            "the image is \(width)×\(height) pixels; at most \(limit)×\(limit) is allowed"
        }
    }

    /// 1048576 → "1 MiB", 5242880 → "5 MiB", 2000 → "2 KB".
    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 {
            let mebibytes = Double(bytes) / Double(1 << 20)
            return mebibytes == mebibytes.rounded() ? "\(Int(mebibytes)) MiB" : String(format: "%.1f MiB", mebibytes)
        }
        return "\(max(1, bytes / 1000)) KB"
    }
}
