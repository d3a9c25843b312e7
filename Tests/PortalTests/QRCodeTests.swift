import Foundation
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("QR codes")
struct QRCodeTests {
    /// Renders the SVG to PNG with rsvg-convert and reads it back with zbarimg, as a phone camera would.
    static func decode(_ svg: String) async throws -> String {
        let folder = try TemporaryFolder()
        let svgPath = folder.path + "/code.svg"
        let pngPath = folder.path + "/code.png"
        try svg.write(toFile: svgPath, atomically: true, encoding: .utf8)
        try await Self.run("/usr/bin/rsvg-convert", ["-w", "600", "-o", pngPath, svgPath])
        return try await Self.run("/usr/bin/zbarimg", ["--quiet", "--raw", "-Sbinary", pngPath])
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        let (_, output, _) = await try ChildProcess(tool, arguments, standardOutput: .capture).run()
        return String(decoding: output, as: UTF8.self)
    }

    @Test(
        "codes of many lengths decode back to their text",
        arguments: [
            "a", "HELLO WORLD", String(repeating: "0123456789", count: 5),
            "otpauth://totp/Acme%20Hosting:owner%40acme.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme%20Hosting&algorithm=SHA1&digits=6&period=30",
            String(repeating: "é", count: 120), String(repeating: "x", count: 300),
        ])
    func roundTrip(text: String) async throws {
        let code = try QRCode(encoding: text)
        let decoded = try await Self.decode(code.svg(title: "test"))
        #expect(decoded.trimmingCharacters(in: .newlines) == text)
    }

    @Test("text too long for version 20 is refused")
    func tooLong() {
        #expect(throws: QRCode.QRError.tooLong(1000)) { try QRCode(encoding: String(repeating: "x", count: 1000)) }
    }

    @Test("Reed–Solomon matches the standard's worked example")
    func reedSolomon() {
        // ISO/IEC 18004 Annex I: "01234567" at 1-M.
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        let ecc = ReedSolomon.remainder(data, divisor: ReedSolomon.divisor(degree: 10))
        #expect(ecc == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }
}
