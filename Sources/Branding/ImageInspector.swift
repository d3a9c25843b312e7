/// Recognises uploaded images by their bytes, never by name or declared type, and reads their pixel size from
/// the header. Only complete PNG, JPEG and WebP files pass; SVG is refused because it can carry script.
package enum ImageInspector {
    package static let maximumBytes = 1 << 20
    package static let maximumDimension = 4096

    /// An image recognised by its magic bytes.
    package struct Image: Sendable, Equatable {
        package enum Format: String, Sendable { case png, jpeg, webp }
        package let format: Format
        package let width: Int
        package let height: Int

        package init(format: Format, width: Int, height: Int) {
            self.format = format
            self.width = width
            self.height = height
        }

        package var contentType: String {
            switch format {
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            case .webp: "image/webp"
            }
        }

        package var fileExtension: String { format == .jpeg ? "jpg" : format.rawValue }
    }

    package static func inspect(_ bytes: [UInt8]) throws(BrandError) -> Image {
        guard bytes.count <= maximumBytes else { throw .imageTooLarge(bytes: bytes.count, limit: maximumBytes) }
        guard !bytes.isEmpty else { throw .unsupportedImage(reason: "the file is empty") }
        let image: Image
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            image = try png(bytes)
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            image = try jpeg(bytes)
        } else if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8)
        {
            image = try webp(bytes)
        } else {
            throw refusal(for: bytes)
        }
        guard image.width > 0, image.height > 0 else {
            throw .unsupportedImage(reason: "the image header gives no size")
        }
        guard image.width <= maximumDimension, image.height <= maximumDimension else {
            throw .imageDimensionsTooLarge(width: image.width, height: image.height, limit: maximumDimension)
        }
        return image
    }

    /// Says what the file looks like instead, so the message helps.
    private static func refusal(for bytes: [UInt8]) -> BrandError {
        let head = String(decoding: bytes.prefix(512), as: UTF8.self).lowercased()
            .trimmingPrefix { $0.isWhitespace || $0 == "\u{feff}" }
        if head.contains("<svg") {
            return .svgRefused
        }
        if head.hasPrefix("<") {
            return .unsupportedImage(reason: "the file is HTML or XML, not an image; upload a PNG, JPEG or WebP")
        }
        if bytes.starts(with: Array("GIF8".utf8)) {
            return .unsupportedImage(reason: "GIF is not accepted; upload a PNG, JPEG or WebP")
        }
        return .unsupportedImage(reason: "the file is not a PNG, JPEG or WebP image")
    }

    private static func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> Int {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }

    /// Walks every chunk, checking lengths and CRCs, and requires IHDR first, image data and IEND.
    private static func png(_ bytes: [UInt8]) throws(BrandError) -> Image {
        let truncated = BrandError.unsupportedImage(reason: "the PNG file is damaged or incomplete")
        var offset = 8
        var size: (Int, Int)?
        var sawData = false
        while true {
            guard offset + 12 <= bytes.count else { throw truncated }
            let length = bigEndian32(bytes, offset)
            let type = Array(bytes[offset + 4..<offset + 8])
            guard length <= bytes.count, offset + 12 + length <= bytes.count else { throw truncated }
            let crc = UInt32(bigEndian32(bytes, offset + 8 + length))
            guard CRC32.checksum(bytes[offset + 4..<offset + 8 + length]) == crc else { throw truncated }
            let name = String(decoding: type, as: UTF8.self)
            if size == nil {
                guard name == "IHDR", length == 13 else { throw truncated }
                size = (bigEndian32(bytes, offset + 8), bigEndian32(bytes, offset + 12))
            }
            if name == "IDAT" { sawData = true }
            offset += 12 + length
            if name == "IEND" { break }
        }
        guard let size, sawData else { throw truncated }
        return Image(format: .png, width: size.0, height: size.1)
    }

    /// Reads the frame header (SOFn) for the size and requires the end-of-image marker.
    private static func jpeg(_ bytes: [UInt8]) throws(BrandError) -> Image {
        let truncated = BrandError.unsupportedImage(reason: "the JPEG file is damaged or incomplete")
        guard bytes.count >= 4, bytes[bytes.count - 2] == 0xFF, bytes[bytes.count - 1] == 0xD9 else { throw truncated }
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { throw truncated }
            let marker = bytes[offset + 1]
            if marker == 0xFF {
                offset += 1
                continue
            }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                offset += 2
                continue
            }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { throw truncated }
            let isFrame = (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
            if isFrame {
                guard length >= 7 else { throw truncated }
                let height = Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6])
                let width = Int(bytes[offset + 7]) << 8 | Int(bytes[offset + 8])
                return Image(format: .jpeg, width: width, height: height)
            }
            if marker == 0xDA { break }
            offset += 2 + length
        }
        throw truncated
    }

    /// RIFF size must match the file; the size comes from the VP8, VP8L or VP8X header.
    private static func webp(_ bytes: [UInt8]) throws(BrandError) -> Image {
        let truncated = BrandError.unsupportedImage(reason: "the WebP file is damaged or incomplete")
        func little(_ offset: Int, _ count: Int) -> Int {
            (0..<count).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        guard bytes.count >= 25, little(4, 4) + 8 == bytes.count else { throw truncated }
        let chunk = String(decoding: bytes[12..<16], as: UTF8.self)
        let data = 20
        switch chunk {
        case "VP8 ":
            guard bytes.count >= data + 10, bytes[data + 3] == 0x9D, bytes[data + 4] == 0x01, bytes[data + 5] == 0x2A
            else { throw truncated }
            return Image(format: .webp, width: little(data + 6, 2) & 0x3FFF, height: little(data + 8, 2) & 0x3FFF)
        case "VP8L":
            guard bytes[data] == 0x2F else { throw truncated }
            let bits = little(data + 1, 4)
            return Image(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            guard bytes.count >= data + 10 else { throw truncated }
            return Image(format: .webp, width: little(data + 4, 3) + 1, height: little(data + 7, 3) + 1)
        default:
            throw truncated
        }
    }
}

/// CRC-32 (IEEE), as PNG chunks use.
package enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    package static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension String {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> String {
        String(drop(while: predicate))
    }
}
