import Foundation
import Tenancy
import TestSupport

/// A real SMTP server on loopback (scripts/smtp-sink.py with Debian's python3-aiosmtpd) for one test.
final class SMTPSink: Sendable {
    let port: Int
    let folder: String
    private let process: ChildProcess

    private init(port: Int, folder: String, process: ChildProcess) {
        self.port = port
        self.folder = folder
        self.process = process
    }

    /// One received message: the envelope and the raw text as the server got it.
    struct Received {
        let mailFrom: String
        let recipients: [String]
        let raw: String

        /// An unfolded header value.
        func header(_ name: String) -> String? {
            let head = raw.components(separatedBy: "\r\n\r\n").first ?? raw
            let unfolded = head.replacingOccurrences(of: "\r\n ", with: " ")
            return unfolded.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }

        /// The decoded body of the part with this content type.
        func part(_ type: String) -> String? {
            let sections = raw.components(
                separatedBy: "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
            guard sections.count == 2 else { return nil }
            let encoded =
                sections[1].components(separatedBy: "\r\n\r\n").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
            return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    static func start() async throws -> SMTPSink {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: TestPaths.assets).deletingLastPathComponent().appendingPathComponent(
            "scripts/smtp-sink.py"
        ).path
        return try await BlockingIO.run {
            let process = try ChildProcess("/usr/bin/python3", [script, folder], standardOutput: .capture)
            let out = process.standardOutput!
            var text = ""
            while !text.contains("\n") {
                let chunk = out.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let line = text.split(separator: "\n").first, line.hasPrefix("READY "),
                let port = Int(line.dropFirst(6))
            else {
                process.terminate()
                throw SinkError.didNotStart(text)
            }
            return SMTPSink(port: port, folder: folder, process: process)
        }
    }

    enum SinkError: Error { case didNotStart(String) }

    /// What the server has accepted so far, oldest first.
    func received() throws -> [Received] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { name in
            let base = folder + "/" + String(name.dropLast(4))
            let envelope =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json")))
                as? [String: Any]
            return Received(
                mailFrom: envelope?["mail_from"] as? String ?? "", recipients: envelope?["rcpt_tos"] as? [String] ?? [],
                raw: String(decoding: try Data(contentsOf: URL(fileURLWithPath: base + ".eml")), as: UTF8.self)
            )
        }
    }

    func stop() async {
        process.terminate()
        await process.exit()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
