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

    @Test("the digest is FNV-1a 64")
    func digest() {
        #expect(ContentDigest.hex(of: "") == "cbf29ce484222325")
        #expect(ContentDigest.hex(of: "a") == "af63dc4c8601ec8c")
    }
}

@Suite("Logo files")
struct LogoTests {
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
        bytes += Array("IHDR".utf8)
        for value in [width, height] { bytes += withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        bytes += [8, 6, 0, 0, 0, 0, 0, 0, 0]
        return bytes
    }

    @Test("a PNG is recognised by its bytes with its pixel size")
    func recognisesPNG() throws {
        let image = try LogoStore.inspect(Self.png(width: 96, height: 48))
        #expect(image == .init(format: .png, width: 96, height: 48))
    }

    @Test("HTML renamed .png, a truncated PNG and an SVG are refused")
    func refusesImpostors() {
        #expect(throws: BrandError.self) { try LogoStore.inspect(Array("<html><script>x</script></html>".utf8)) }
        #expect(throws: BrandError.self) { try LogoStore.inspect(Array(Self.png(width: 1, height: 1).prefix(20))) }
        #expect(throws: BrandError.self) { try LogoStore.inspect(Array("<svg onload=alert(1)></svg>".utf8)) }
    }

    @Test("a header claiming 20000×20000 and a file over 1 MiB are refused")
    func refusesHuge() {
        #expect(throws: BrandError.imageDimensionsTooLarge(width: 20000, height: 20000, limit: 4096)) {
            try LogoStore.inspect(Self.png(width: 20000, height: 20000))
        }
        let big = Self.png(width: 10, height: 10) + [UInt8](repeating: 0, count: 1 << 20)
        #expect(throws: BrandError.imageTooLarge(bytes: big.count, limit: 1 << 20)) { try LogoStore.inspect(big) }
    }

    @Test("only content-addressed names can name an asset", arguments: [
        ("0123456789abcdef.png", true), ("0123456789abcdef.jpg", true), ("../../platform.sqlite", false),
        ("0123456789abcdef.svg", false), ("0123456789ABCDEF.png", false), ("0123456789abcdef.png/..", false),
        ("x.png", false), ("", false),
    ])
    func assetNames(name: String, valid: Bool) {
        #expect(LogoStore.isAssetName(name) == valid)
    }
}
