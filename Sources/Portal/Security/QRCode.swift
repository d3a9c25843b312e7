/// A QR code (ISO/IEC 18004) in byte mode at error-correction level M, drawn as SVG on the server,
/// so the two-factor page needs no script and no third-party service.
package struct QRCode: Sendable {
    package enum QRError: Error, Equatable {
        case tooLong(Int)
    }

    package let size: Int
    private var modules: [Bool]
    private var isFunction: [Bool]

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
        let escaped = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(total) \(total)" width="\(total * moduleSize)" \
            height="\(total * moduleSize)" role="img" aria-label="\(escaped)" shape-rendering="crispEdges">\
            <title>\(escaped)</title><rect width="\(total)" height="\(total)" fill="#ffffff"/>\
            <path d="\(path)" fill="#000000"/></svg>
            """
    }

    // MARK: Capacity and codewords

    private static let eccPerBlock = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26]
    private static let blockCount = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16]

    /// Modules left for data and error correction once the function patterns are drawn.
    private static func rawDataModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    private static func dataCapacity(_ version: Int) -> Int {
        (rawDataModules(version) / 8 - eccPerBlock[version] * blockCount[version]) * 8
    }

    private static func bitLength(_ count: Int, version: Int) -> Int {
        4 + (version <= 9 ? 8 : 16) + count * 8
    }

    private static func dataCodewords(_ data: [UInt8], version: Int) -> [UInt8] {
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
    private static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
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

    // MARK: Drawing

    private mutating func set(_ x: Int, _ y: Int, _ dark: Bool, function: Bool = true) {
        modules[y * size + x] = dark
        if function { isFunction[y * size + x] = true }
    }

    private mutating func drawFunctionPatterns(version: Int) {
        for index in 0..<size {
            set(6, index, index % 2 == 0)
            set(index, 6, index % 2 == 0)
        }
        drawFinder(3, 3)
        drawFinder(size - 4, 3)
        drawFinder(3, size - 4)
        let positions = Self.alignmentPositions(version: version, size: size)
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() {
                let nearFinder = (i == 0 && j == 0) || (i == 0 && j == positions.count - 1)
                    || (i == positions.count - 1 && j == 0)
                if !nearFinder { drawAlignment(x, y) }
            }
        }
        drawFormatBits(mask: 0)  // reserves the format areas; redrawn with the chosen mask
        drawVersion(version)
    }

    private mutating func drawFinder(_ cx: Int, _ cy: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let distance = max(abs(dx), abs(dy))
                let (x, y) = (cx + dx, cy + dy)
                if (0..<size).contains(x) && (0..<size).contains(y) { set(x, y, distance != 2 && distance != 4) }
            }
        }
    }

    private mutating func drawAlignment(_ cx: Int, _ cy: Int) {
        for dy in -2...2 {
            for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
        }
    }

    private static func alignmentPositions(version: Int, size: Int) -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let step = (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        var positions = [6]
        for index in 0..<(count - 1) { positions.insert(size - 7 - index * step, at: 1) }
        return positions
    }

    private mutating func drawFormatBits(mask: Int) {
        let data = (0b00 << 3) | mask  // level M is 00
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = ((data << 10) | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { set(8, index, bit(index)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for index in 9..<15 { set(14 - index, 8, bit(index)) }
        for index in 0..<8 { set(size - 1 - index, 8, bit(index)) }
        for index in 8..<15 { set(8, size - 15 + index, bit(index)) }
        set(8, size - 8, true)  // the dark module
    }

    private mutating func drawVersion(_ version: Int) {
        guard version >= 7 else { return }
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = (version << 12) | remainder
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let (a, b) = (size - 11 + index % 3, index / 3)
            set(a, b, dark)
            set(b, a, dark)
        }
    }

    private mutating func placeData(_ codewords: [UInt8]) {
        var bitIndex = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                for column in 0..<2 {
                    let x = right - column
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vertical : vertical
                    guard !isFunction[y * size + x] else { continue }
                    if bitIndex < codewords.count * 8 {
                        let dark = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                        set(x, y, dark, function: false)
                        bitIndex += 1
                    }
                }
            }
            right -= 2
        }
    }

    private mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] {
                let invert: Bool =
                    switch mask {
                    case 0: (x + y) % 2 == 0
                    case 1: y % 2 == 0
                    case 2: x % 3 == 0
                    case 3: (x + y) % 3 == 0
                    case 4: (x / 3 + y / 2) % 2 == 0
                    case 5: x * y % 2 + x * y % 3 == 0
                    case 6: (x * y % 2 + x * y % 3) % 2 == 0
                    default: ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                if invert { modules[y * size + x].toggle() }
            }
        }
    }

    /// The standard's four penalty rules; the mask with the lowest score is kept.
    private func penaltyScore() -> Int {
        var score = 0
        for horizontal in [true, false] {
            for line in 0..<size {
                var run = 1
                var previous = horizontal ? self[x: 0, y: line] : self[x: line, y: 0]
                var pattern: [Bool] = [previous]
                for position in 1..<size {
                    let dark = horizontal ? self[x: position, y: line] : self[x: line, y: position]
                    if dark == previous {
                        run += 1
                        if run == 5 { score += 3 } else if run > 5 { score += 1 }
                    } else {
                        run = 1
                        previous = dark
                    }
                    pattern.append(dark)
                }
                let finderLike: [Bool] = [true, false, true, true, true, false, true]
                let light = [Bool](repeating: false, count: 4)
                for start in 0...(size - 11) {
                    let window = Array(pattern[start..<start + 11])
                    if window == finderLike + light || window == light + finderLike { score += 40 }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let color = self[x: x, y: y]
                if color == self[x: x + 1, y: y] && color == self[x: x, y: y + 1] && color == self[x: x + 1, y: y + 1] {
                    score += 3
                }
            }
        }
        let dark = modules.filter { $0 }.count
        let total = size * size
        score += (abs(dark * 20 - total * 10) + total - 1) / total * 10
        return score
    }
}

/// Reed–Solomon error correction over GF(2⁸) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1.
enum ReedSolomon {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var result: UInt16 = 0
        var a = UInt16(a)
        var b = b
        while b != 0 {
            if b & 1 == 1 { result ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return UInt8(result)
    }

    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in result.indices { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }
}
