import Foundation
import Testing

@testable import Branding

@Suite("Brand colours and stylesheet")
struct BrandingTests {
    @Test("colours must be #rrggbb", arguments: ["red", "#fff", "#12345g", "1f4fd1", "#1f4fd1ff", ""])
    func badColours(raw: String) {
        #expect(throws: BrandError.invalidColor(raw)) { try HexColor(raw) }
    }

    @Test("colours are stored lower-case")
    func lowerCase() throws {
        #expect(try HexColor(" #1F4FD1 ").hex == "#1f4fd1")
    }

    @Test("contrast ratios match WCAG's published values")
    func contrast() throws {
        let white = try HexColor("#ffffff")
        let black = try HexColor("#000000")
        #expect(abs(ContrastPicker.contrastRatio(white, black) - 21) < 0.01)
        // #777777 on white is the classic just-failing grey: 4.48:1.
        #expect(abs(ContrastPicker.contrastRatio(try HexColor("#777777"), white) - 4.48) < 0.01)
        #expect(abs(ContrastPicker.contrastRatio(try HexColor("#767676"), white) - 4.54) < 0.01)
    }

    @Test("button text is white on dark brand colours and dark on light ones")
    func readableText() throws {
        #expect(ContrastPicker.readableText(on: try HexColor("#0f766e")).hex == "#ffffff")
        #expect(ContrastPicker.readableText(on: try HexColor("#fde047")).hex == "#111111")
    }

    @Test("the stylesheet carries the brand's colours and its digest changes with them")
    func stylesheet() throws {
        var brand = Brand(
            tagline: "", primaryColor: try HexColor("#c2410c"), accentColor: try HexColor("#1e3a8a"),
            backgroundColor: try HexColor("#ffffff"), textColor: try HexColor("#111111"),
            linkColor: try HexColor("#9a3412"), fontStack: .system, logoFile: nil, currency: "GBP", version: 1
        )
        let first = ThemeStylesheet(brand: brand)
        #expect(first.css.contains("--brand-primary: #c2410c;"))
        #expect(first.css.contains("--brand-font: system-ui"))
        brand.primaryColor = try HexColor("#0f766e")
        let second = ThemeStylesheet(brand: brand)
        #expect(second.css.contains("--brand-primary: #0f766e;"))
        #expect(first.digest != second.digest)
        #expect(ThemeStylesheet(brand: brand).digest == second.digest)
    }

    @Test("focus outlines stand out 3:1 from the page and from the header, whatever the palette")
    func focusOutlines() throws {
        // A spread of palettes, including ones where the accent is close to the background or to the primary colour.
        var generator = SystemRandomNumberGenerator()
        func colour() throws -> HexColor {
            try HexColor(String(format: "#%06x", Int.random(in: 0...0xff_ffff, using: &generator)))
        }
        for _ in 0..<500 {
            let brand = Brand(
                tagline: "", primaryColor: try colour(), accentColor: try colour(), backgroundColor: try colour(),
                textColor: try colour(), linkColor: try colour(), fontStack: .system, logoFile: nil, currency: "GBP",
                version: 1)
            let css = ThemeStylesheet(brand: brand).css
            let focus = try #require(
                css.firstMatch(of: /--brand-focus: (#[0-9a-f]{6});/).map { try HexColor(String($0.1)) })
            let onPrimary = try #require(
                css.firstMatch(of: /--brand-focus-on-primary: (#[0-9a-f]{6});/).map { try HexColor(String($0.1)) })
            #expect(ContrastPicker.contrastRatio(focus, brand.backgroundColor) >= 3, "\(css)")
            #expect(ContrastPicker.contrastRatio(onPrimary, brand.primaryColor) >= 3, "\(css)")
        }
        // The accent is used when it stands out.
        let brand = Brand(
            tagline: "", primaryColor: try HexColor("#1f4fd1"), accentColor: try HexColor("#0b7a53"),
            backgroundColor: try HexColor("#ffffff"), textColor: try HexColor("#111111"),
            linkColor: try HexColor("#1f4fd1"), fontStack: .system, logoFile: nil, currency: "GBP", version: 1)
        #expect(ThemeStylesheet(brand: brand).css.contains("--brand-focus: #0b7a53;"))
    }

    @Test("the digest is FNV-1a 64")
    func digest() {
        #expect(ContentDigest.hex(of: "") == "cbf29ce484222325")
        #expect(ContentDigest.hex(of: "a") == "af63dc4c8601ec8c")
    }
}

/// Image files built byte by byte, as encoders write them.
enum ImageFixtures {
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return withUnsafeBytes(of: UInt32(data.count).bigEndian) { Array($0) } + body
            + withUnsafeBytes(of: CRC32.checksum(body).bigEndian) { Array($0) }
    }

    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        var header =
            withUnsafeBytes(of: width.bigEndian) { Array($0) } + withUnsafeBytes(of: height.bigEndian) { Array($0) }
        header += [8, 6, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + chunk("IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]) + chunk("IEND", [])
    }

    static func jpeg(width: Int, height: Int) -> [UInt8] {
        let app0: [UInt8] = [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let frame: [UInt8] = [
            0xFF, 0xC0, 0x00, 0x11, 8, UInt8(height >> 8), UInt8(height & 255), UInt8(width >> 8), UInt8(width & 255),
            3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
        ]
        let scan: [UInt8] = [0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0, 0x12, 0x34]
        return [0xFF, 0xD8] + app0 + frame + scan + [0xFF, 0xD9]
    }

    static func webpLossless(width: Int, height: Int) -> [UInt8] {
        let bits = UInt32(width - 1) | UInt32(height - 1) << 14
        let data: [UInt8] = [0x2F] + withUnsafeBytes(of: bits.littleEndian) { Array($0) } + [0, 0, 0]
        let chunk = Array("VP8L".utf8) + withUnsafeBytes(of: UInt32(data.count).littleEndian) { Array($0) } + data
        let body = Array("WEBP".utf8) + chunk
        return Array("RIFF".utf8) + withUnsafeBytes(of: UInt32(body.count).littleEndian) { Array($0) } + body
    }
}

@Suite("Uploaded images")
struct ImageInspectorTests {
    @Test("PNG, JPEG and WebP are recognised by their bytes, with the pixel size from the header")
    func recognises() throws {
        #expect(
            try ImageInspector.inspect(ImageFixtures.png(width: 96, height: 48))
                == .init(format: .png, width: 96, height: 48))
        #expect(
            try ImageInspector.inspect(ImageFixtures.jpeg(width: 640, height: 480))
                == .init(format: .jpeg, width: 640, height: 480))
        #expect(
            try ImageInspector.inspect(ImageFixtures.webpLossless(width: 300, height: 120))
                == .init(format: .webp, width: 300, height: 120))
        let demo = try [UInt8](
            Data(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                    .appendingPathComponent("../../assets/demo/acme-logo.png")))
        #expect(try ImageInspector.inspect(demo).format == .png)
    }

    @Test("HTML renamed .png, a truncated PNG or JPEG, a bad CRC and an SVG with a script are refused with a reason")
    func refusesImpostors() {
        #expect(
            throws: BrandError.unsupportedImage(
                reason: "the file is HTML or XML, not an image; upload a PNG, JPEG or WebP")
        ) {
            try ImageInspector.inspect(Array("<html><script>alert(1)</script></html>".utf8))
        }
        let png = ImageFixtures.png(width: 10, height: 10)
        #expect(throws: BrandError.unsupportedImage(reason: "the PNG file is damaged or incomplete")) {
            try ImageInspector.inspect(Array(png.prefix(png.count - 12)))
        }
        var corrupted = png
        corrupted[40] ^= 0xFF
        #expect(throws: BrandError.unsupportedImage(reason: "the PNG file is damaged or incomplete")) {
            try ImageInspector.inspect(corrupted)
        }
        let jpeg = ImageFixtures.jpeg(width: 10, height: 10)
        #expect(throws: BrandError.unsupportedImage(reason: "the JPEG file is damaged or incomplete")) {
            try ImageInspector.inspect(Array(jpeg.dropLast(2)))
        }
        #expect(throws: BrandError.svgRefused) {
            try ImageInspector.inspect(
                Array(
                    "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"
                        .utf8))
        }
        #expect(BrandError.svgRefused.description.contains("can contain scripts"))
        #expect(throws: BrandError.unsupportedImage(reason: "GIF is not accepted; upload a PNG, JPEG or WebP")) {
            try ImageInspector.inspect(Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 20))
        }
    }

    @Test("a header claiming 20000×20000 and a 5 MiB file are refused")
    func refusesHuge() {
        #expect(throws: BrandError.imageDimensionsTooLarge(width: 20000, height: 20000, limit: 4096)) {
            try ImageInspector.inspect(ImageFixtures.png(width: 20000, height: 20000))
        }
        let big = ImageFixtures.png(width: 10, height: 10) + [UInt8](repeating: 0, count: 5 << 20)
        #expect(throws: BrandError.imageTooLarge(bytes: big.count, limit: 1 << 20)) { try ImageInspector.inspect(big) }
        #expect(
            BrandError.imageTooLarge(bytes: 5 << 20, limit: 1 << 20).description
                == "the file is 5 MiB; the limit is 1 MiB")
    }

    @Test(
        "only content-addressed names can name an asset",
        arguments: [
            ("0123456789abcdef.png", true), (String(repeating: "ab", count: 32) + ".webp", true),
            ("../../platform.sqlite", false),
            ("0123456789abcdef.svg", false), ("0123456789ABCDEF.png", false), ("0123456789abcdef.png/..", false),
            ("x.png", false), ("", false),
        ])
    func assetNames(name: String, valid: Bool) {
        #expect(ImageStore.isAssetName(name) == valid)
    }
}

@Suite("Contrast")
struct ContrastTests {
    /// Published WCAG examples: #767676 is the lightest grey passing AA on white (4.54:1), #777777 fails (4.48:1).
    @Test(
        "ratios match the published WCAG example pairs",
        arguments: [
            ("#000000", "#ffffff", 21.0), ("#767676", "#ffffff", 4.54), ("#777777", "#ffffff", 4.48),
            ("#0000ff", "#ffffff", 8.59), ("#ff0000", "#ffffff", 3.99), ("#ffffff", "#ffffff", 1.0),
        ])
    func ratios(foreground: String, background: String, expected: Double) throws {
        let ratio = ContrastPicker.contrastRatio(try HexColor(foreground), try HexColor(background))
        #expect(abs(ratio - expected) < 0.01)
    }

    @Test("a failing palette reports each pair with a suggestion that passes")
    func suggestions() throws {
        var brand = Brand(
            tagline: "", primaryColor: try HexColor("#ffdd00"), accentColor: try HexColor("#000000"),
            backgroundColor: try HexColor("#ffffff"), textColor: try HexColor("#999999"),
            linkColor: try HexColor("#66aaff"),
            fontStack: .system, logoFile: nil, currency: "GBP", version: 1
        )
        var report = ContrastReport(brand)
        #expect(!report.passes)
        let text = try #require(report.checks.first { $0.name == "Text on background" })
        #expect(!text.passes)
        let suggestion = try #require(text.suggestion)
        #expect(ContrastPicker.contrastRatio(suggestion, brand.backgroundColor) >= 4.5)
        #expect(text.ratioText == "2.84:1")
        brand.textColor = suggestion
        brand.linkColor = try #require(report.checks.first { $0.name == "Links on background" }?.suggestion)
        report = ContrastReport(brand)
        #expect(report.checks.first { $0.name == "Button text on primary" }?.passes == true)
        #expect(report.passes)
    }
}
