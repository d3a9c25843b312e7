/// A QR code (ISO/IEC 18004) in byte mode at error-correction level M, drawn as SVG on the server,
/// so the two-factor page needs no script and no third-party service.
package struct QRCode: Sendable {
    package enum QRError: Error, Equatable {
        case tooLong(Int)
    }

    package let size: Int
    var modules: [Bool]
    var isFunction: [Bool]

    package subscript(x x: Int, y y: Int) -> Bool { modules[y * size + x] }

    /// Encodes `text` (UTF-8) in the smallest version from 1 to 20 that holds it.
    package init(encoding text: String) throws(QRError) {
        let data = Array(text.utf8)
        guard let version = (1...20).first(where: { Self.dataCapacity($0) >= Self.bitLength(data.count, version: $0) })
        else { throw .tooLong(data.count) }
        size = version * 4 + 17
        modules = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
        drawFunctionPatterns(version: version)
        let codewords = Self.interleaved(Self.dataCodewords(data, version: version), version: version)
        placeData(codewords)
        var best = 0
        var bestPenalty = Int.max
        for mask in 0..<8 {
            applyMask(mask)
            drawFormatBits(mask: mask)
            let penalty = penaltyScore()
            if penalty < bestPenalty {
                best = mask
                bestPenalty = penalty
            }
            applyMask(mask)  // XOR again undoes it
        }
        applyMask(best)
        drawFormatBits(mask: best)
    }

    /// The code as an SVG document with a four-module quiet zone; `title` is its accessible name.
    package func svg(title: String, moduleSize: Int = 5) -> String {
        let total = size + 8
        var path = ""
        for y in 0..<size {
            for x in 0..<size where self[x: x, y: y] {
                path += "M\(x + 4),\(y + 4)h1v1h-1z"
            }
        }
        let escaped = Escape.html(title)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(total) \(total)" width="\(total * moduleSize)" \
            height="\(total * moduleSize)" role="img" aria-label="\(escaped)" shape-rendering="crispEdges">\
            <title>\(escaped)</title><rect width="\(total)" height="\(total)" fill="#ffffff"/>\
            <path d="\(path)" fill="#000000"/></svg>
            """
    }

    // MARK: Capacity and codewords

    static let eccPerBlock = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26]
    static let blockCount = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16]

    /// Modules left for data and error correction once the function patterns are drawn.
    static func rawDataModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    static func dataCapacity(_ version: Int) -> Int {
        (rawDataModules(version) / 8 - eccPerBlock[version] * blockCount[version]) * 8
    }

    static func bitLength(_ count: Int, version: Int) -> Int {
        4 + (version <= 9 ? 8 : 16) + count * 8
    }

    static func dataCodewords(_ data: [UInt8], version: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ length: Int) {
            for shift in stride(from: length - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(data.count, version <= 9 ? 8 : 16)
        for byte in data { append(Int(byte), 8) }
        let capacity = dataCapacity(version)
        append(0, min(4, capacity - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var pad = 0xEC
        while bits.count < capacity {
            append(pad, 8)
            pad ^= 0xEC ^ 0x11
        }
        return stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
    }

    /// Splits data into blocks, adds Reed–Solomon error correction to each, and interleaves them.
    static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
        let blocks = blockCount[version]
        let ecc = eccPerBlock[version]
        let raw = rawDataModules(version) / 8
        let shortBlocks = blocks - raw % blocks
        let shortLength = raw / blocks
        let divisor = ReedSolomon.divisor(degree: ecc)
        var split: [[UInt8]] = []
        var offset = 0
        for index in 0..<blocks {
            let length = shortLength - ecc + (index < shortBlocks ? 0 : 1)
            var block = Array(data[offset..<offset + length])
            offset += length
            let correction = ReedSolomon.remainder(block, divisor: divisor)
            if index < shortBlocks { block.append(0) }  // placeholder so all blocks line up when interleaving
            split.append(block + correction)
        }
        var result: [UInt8] = []
        for column in 0..<split[0].count {
            for (index, block) in split.enumerated() where !(column == shortLength - ecc && index < shortBlocks) {
                result.append(block[column])
            }
        }
        return result
    }

}
