/// A short, stable digest of bytes for ETags and content-addressed file names (FNV-1a, 64 bits).
///
/// It is not a security boundary: it only tells versions of the same tenant's own files apart.
package enum ContentDigest {
    package static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    package static func hex(of string: String) -> String { hex(of: string.utf8) }
}
