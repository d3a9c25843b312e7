import Hummingbird
import NIOCore

/// A `multipart/form-data` body (file uploads): text fields and files, read with bounded size and part count.
package struct MultipartForm: Sendable {
    package struct File: Sendable {
        package let filename: String
        package let bytes: [UInt8]
    }

    package enum ParseError: Error, Equatable {
        case notMultipart
        case malformed
        case tooManyParts
    }

    package private(set) var fields: [String: String] = [:]
    package private(set) var files: [String: File] = [:]

    package subscript(_ name: String) -> String { fields[name] ?? "" }

    /// The largest upload body read: a 1 MiB image plus form fields, with room to tell a person their 5 MiB
    /// file is too big instead of dropping the connection.
    package static let uploadLimit = 8 << 20

    /// The only paths that take uploads, for signed-in staff.
    package static let uploadPaths: Set<String> = [AdminPaths.brandImages.link(), ContentPaths.adminImages.link()]

    /// The boundary of a `multipart/form-data` content type, or nil.
    package static func boundary(of contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value =
                    pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                    ? String(pair[1].dropFirst().dropLast()) : pair[1]
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    /// Reads the request body (at most `limit` bytes) and parses it.
    package static func parse(_ request: inout Request, limit: Int) async throws -> MultipartForm {
        guard let boundary = boundary(of: request.headers[.contentType]) else { throw ParseError.notMultipart }
        let body = try await request.collectBody(upTo: limit)
        return try MultipartForm(bytes: Array(body.readableBytesView), boundary: boundary)
    }

    package init(bytes: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var index = 0
        while let found = Self.find(delimiter, in: bytes, from: index) {
            positions.append(found)
            guard positions.count <= 33 else { throw ParseError.tooManyParts }
            index = found + delimiter.count
        }
        guard positions.count >= 2 else { throw ParseError.malformed }
        for (start, end) in zip(positions, positions.dropFirst()) {
            var partStart = start + delimiter.count
            // Each part starts after CRLF and ends before the CRLF that precedes the next delimiter.
            guard partStart + 2 <= end, bytes[partStart] == 13, bytes[partStart + 1] == 10 else {
                throw ParseError.malformed
            }
            partStart += 2
            let partEnd = end - 2
            guard partEnd >= partStart, bytes[partEnd] == 13, bytes[partEnd + 1] == 10 else {
                throw ParseError.malformed
            }
            let part = Array(bytes[partStart..<partEnd])
            guard let split = Self.find(Array("\r\n\r\n".utf8), in: part, from: 0) else { throw ParseError.malformed }
            let headers = String(decoding: part[..<split], as: UTF8.self)
            let content = Array(part[(split + 4)...])
            guard
                let disposition = headers.split(separator: "\r\n").first(where: {
                    $0.lowercased().hasPrefix("content-disposition:")
                })
            else { throw ParseError.malformed }
            let parameters = Self.parameters(String(disposition))
            guard let name = parameters["name"] else { throw ParseError.malformed }
            if let filename = parameters["filename"] {
                files[name] = File(filename: filename, bytes: content)
            } else {
                fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
    }

    /// `name="logo"; filename="a.png"` → ["name": "logo", "filename": "a.png"].
    private static func parameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            result[pair[0].lowercased()] = value
        }
        return result
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
