import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How log lines are written: `text` (the time, level, label, `key=value` fields, source and message, as swift-log's
/// stream handler writes them) or `json` (one object per line with the same fields).
package enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// The server's log handler: one line per entry on standard output, text or JSON, with secrets redacted in both
/// (`LogRedaction`), so a collector never stores a token because some code path logged one.
package struct PortalLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let write: @Sendable (String) -> Void

    package init(label: String, format: LogFormat, write: @escaping @Sendable (String) -> Void = Self.standardOutput) {
        self.label = label
        self.format = format
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields: Logger.Metadata
        if metadata.isEmpty, metadataProvider == nil {
            // The request log's case (one line per request): the event's own fields, not merged into a copy.
            fields = event.metadata ?? [:]
        } else {
            fields = metadata
            if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
            if let given = event.metadata { fields.merge(given) { _, new in new } }
        }
        write(
            Self.line(
                format: format, time: Date(), level: event.level, label: label, message: "\(event.message)",
                metadata: fields, source: event.source) + "\n")
    }

    /// One rendered line, without its newline.
    package static func line(
        format: LogFormat, time: Date, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata, source: String
    ) -> String {
        let stamp = timestamp(time)
        let message = LogRedaction.text(message)
        let fields = metadata.sorted { $0.key < $1.key }.map { ($0.key, LogRedaction.value($0.value, key: $0.key)) }
        switch format {
        case .text:
            // Appended into one string: a line per request is worth not building the pieces separately.
            var line = stamp
            line.reserveCapacity(stamp.utf8.count + label.utf8.count + message.utf8.count + source.utf8.count + 160)
            line += " "
            line += level.rawValue
            line += " "
            line += label
            line += " :"
            for (key, value) in fields {
                line += " "
                line += key
                line += "="
                line += value
            }
            line += " ["
            line += source
            line += "] "
            line += message
            return line
        case .json:
            var line = #"{"time":""# + JSONText.escaped(stamp) + #"","level":""# + level.rawValue
            line += #"","label":""# + JSONText.escaped(label) + #"","source":""# + JSONText.escaped(source)
            line += #"","message":""# + JSONText.escaped(message) + #"""#
            for (key, value) in fields where !reserved.contains(key) {
                line += #",""# + JSONText.escaped(key) + #"":""# + JSONText.escaped(value) + #"""#
            }
            return line + "}"
        }
    }

    /// Field names the line itself uses; a metadata field of the same name would be ambiguous, so it is left out.
    static let reserved: Set<String> = ["time", "level", "label", "source", "message"]

    private static func timestamp(_ time: Date) -> String {
        let seconds = Int(time.timeIntervalSince1970.rounded(.down))
        let milliseconds = max(0, min(999, Int((time.timeIntervalSince1970 - Double(seconds)) * 1000)))
        let prefix = secondStamp(seconds)
        let digits = String(milliseconds)
        return prefix + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// `2026-12-06T21:56:48` for a second, formatted once per second rather than once per line.
    private static func secondStamp(_ seconds: Int) -> String {
        if let cached = lastSecond.withLock({ $0.second == seconds ? $0.text : nil }) { return cached }
        var raw = time_t(seconds)
        var parts = tm()
        gmtime_r(&raw, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        lastSecond.withLock { $0 = (seconds, text) }
        return text
    }

    private static let lastSecond = Mutex<(second: Int, text: String)>((-1, ""))

    /// Standard output, in batches (`BufferedStandardOutput`): a line is never split or interleaved with another.
    package static let standardOutput: @Sendable (String) -> Void = { line in BufferedStandardOutput.shared.append(line)
    }
}

/// Log lines on their way to standard output: appended to a buffer under a lock, and written by a thread of their own
/// a couple of milliseconds after the first line of a batch (or at once by the writer that fills 64 KB), so a busy
/// server makes one `write(2)` per batch instead of one per request. Lines keep their order: batches are taken and
/// written under one lock. `flush()` runs at exit and after the server stops.
package final class BufferedStandardOutput: Sendable {
    package static let shared = BufferedStandardOutput(descriptor: STDOUT_FILENO, flushAtExit: true)

    private struct Pending {
        var bytes: [UInt8] = []
        var flushScheduled = false
    }

    private let pending = Mutex(Pending())
    private let writing = Mutex(())
    private let wake = DispatchSemaphore(value: 0)
    private let descriptor: Int32
    /// How long the writer thread lets a batch gather.
    private static let batchWindow: useconds_t = 2_000
    private static let flushSize = 64 * 1024

    /// Batches for `descriptor`; the tests use a pipe.
    init(descriptor: Int32, flushAtExit: Bool = false) {
        self.descriptor = descriptor
        let thread = Thread { [self] in
            while true {
                wake.wait()
                usleep(Self.batchWindow)
                flush()
            }
        }
        thread.name = "log-output"
        thread.start()
        if flushAtExit { atexit { BufferedStandardOutput.shared.flush() } }
    }

    func append(_ line: String) {
        let (signal, full) = pending.withLock { pending -> (Bool, Bool) in
            pending.bytes.append(contentsOf: line.utf8)
            if pending.bytes.count >= Self.flushSize { return (false, true) }
            if pending.flushScheduled { return (false, false) }
            pending.flushScheduled = true
            return (true, false)
        }
        if full {
            flush()
        } else if signal {
            wake.signal()
        }
    }

    /// Writes everything appended so far.
    package func flush() {
        writing.withLock { _ in
            let bytes = pending.withLock { pending -> [UInt8] in
                defer { pending = Pending() }
                return pending.bytes
            }
            var rest = bytes[...]
            while !rest.isEmpty {
                let written = rest.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                rest = rest.dropFirst(written)
            }
        }
    }
}
