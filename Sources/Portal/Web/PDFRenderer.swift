import Foundation

/// Turns a rendered page into a PDF with WeasyPrint (Debian's `weasyprint`), so a PDF invoice is the same template
/// as the page. WeasyPrint runs as a child process on files in the tenant's own scratch folder, at most two at a
/// time, and is stopped if it takes longer than `timeout`; nothing of one tenant's is ever in another's folder.
package struct PDFRenderer: Sendable {
    package enum Failure: Error, Equatable, CustomStringConvertible {
        /// The tool is not installed or cannot be started.
        case unavailable(String)
        /// It ran and failed; its last words.
        case failed(String)
        case timedOut

        package var description: String {
            switch self {
            case .unavailable(let reason): "weasyprint cannot be started: \(reason)"
            case .failed(let message): "weasyprint failed: \(message)"
            case .timedOut: "weasyprint did not finish in time"
            }
        }
    }

    package let executable: String
    let timeout: Duration
    private let limiter: ConcurrencyLimiter

    package init(executable: String = "/usr/bin/weasyprint", concurrent: Int = 2, timeout: Duration = .seconds(60)) {
        self.executable = executable
        self.timeout = timeout
        limiter = ConcurrencyLimiter(limit: concurrent)
    }

    /// The PDF of `html`, styled with the CSS files `stylesheets` (the page's own links are not followed), made in
    /// `scratch` (created if missing; the files are removed afterwards).
    package func render(_ html: String, stylesheets: [String], scratch: URL) async throws -> Data {
        try await limiter.run {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let name = "pdf-" + UUID().uuidString
            let input = scratch.appendingPathComponent(name + ".html")
            let output = scratch.appendingPathComponent(name + ".pdf")
            let log = scratch.appendingPathComponent(name + ".log")
            defer { for file in [input, output, log] { try? FileManager.default.removeItem(at: file) } }
            try Data(html.utf8).write(to: input)
            var arguments = ["--quiet", "--encoding", "utf-8"]
            for stylesheet in stylesheets { arguments += ["--stylesheet", stylesheet] }
            arguments += [input.path, output.path]
            let status = try await run(arguments, log: log, home: scratch)
            guard status == 0 else { throw Failure.failed(ToolProcess.lastWords(of: log)) }
            return try Data(contentsOf: output)
        }
    }

    /// Runs the tool to its end (or kills it at the time limit); its standard error goes to `log`.
    private func run(_ arguments: [String], log: URL, home: URL) async throws -> Int32 {
        // A small, fixed environment: nothing of the server's (keys, tokens) reaches the child.
        let environment = ["PATH=/usr/bin:/bin", "HOME=\(home.path)", "LANG=C.UTF-8", "XDG_CACHE_HOME=\(home.path)"]
        do {
            return try await ToolProcess.run(
                executable, arguments, environment: environment, errors: log, timeout: timeout)
        } catch ToolProcess.Failure.unavailable(let reason) {
            throw Failure.unavailable(reason)
        } catch ToolProcess.Failure.timedOut {
            throw Failure.timedOut
        }
    }
}
