import CIDN2

/// Internationalised domain names: IDNA 2008 with UTS #46 non-transitional mapping, through libidn2. A name is shown
/// in Unicode (`bücher.example`) and stored, compared and sent to upstreams in ASCII (`xn--bcher-kva.example`).
package enum IDNA {
    /// Why a name cannot be an internationalised domain name, in libidn2's words.
    package struct Invalid: Error, Equatable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    /// The ASCII (punycode) form of `name`: mapped (lower case, width, NFC) and checked label by label. An ASCII name
    /// comes back lower-cased. A trailing dot is kept off.
    package static func toASCII(_ name: String) throws(Invalid) -> String {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty, !trimmed.contains("\0") else { throw Invalid(reason: "the name is empty") }
        if trimmed.utf8.allSatisfy({ $0 < 0x80 }), !trimmed.lowercased().contains("xn--") {
            return trimmed.lowercased()
        }
        var output: UnsafeMutablePointer<CChar>?
        let flags = Int32(IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue)
        let status = idn2_to_ascii_8z(trimmed, &output, flags)
        defer { idn2_free(output) }
        guard status == Int32(IDN2_OK.rawValue), let output else {
            throw Invalid(reason: String(cString: idn2_strerror(status)))
        }
        return String(cString: output)
    }

    /// The Unicode form of an ASCII name for display; the name as it is when it is not valid punycode.
    package static func toUnicode(_ name: String) -> String {
        guard name.lowercased().contains("xn--") else { return name }
        var output: UnsafeMutablePointer<CChar>?
        let status = idn2_to_unicode_8z8z(name, &output, 0)
        defer { idn2_free(output) }
        guard status == Int32(IDN2_OK.rawValue), let output else { return name }
        return String(cString: output)
    }

    /// True when `name` has a label in punycode (`xn--`), i.e. it is shown differently from how it is sent.
    package static func isInternationalised(_ name: String) -> Bool {
        name.lowercased().split(separator: ".").contains { $0.hasPrefix("xn--") }
    }
}
