/// What can go wrong with a brand, with a message fit for a person.
package enum BrandError: Error, Equatable, CustomStringConvertible {
    case invalidColor(String)
    case missingBrandRow
    case unsupportedImage(reason: String)
    case imageTooLarge(bytes: Int, limit: Int)
    case imageDimensionsTooLarge(width: Int, height: Int, limit: Int)

    package var description: String {
        switch self {
        case .invalidColor(let raw):
            "\"\(raw)\" is not a colour; use six hexadecimal digits such as #1f4fd1"
        case .missingBrandRow:
            "the tenant database has no brand row; run `portal migrate`"
        case .unsupportedImage(let reason):
            reason
        case .imageTooLarge(let bytes, let limit):
            "the image is \(bytes) bytes; the limit is \(limit) bytes"
        case .imageDimensionsTooLarge(let width, let height, let limit):
            "the image is \(width)×\(height) pixels; at most \(limit)×\(limit) is allowed"
        }
    }
}
