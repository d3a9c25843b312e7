import Foundation
import TestSupport
import Testing

@testable import Portal

/// WeasyPrint as a child process: a real PDF, and each way it can fail reported as such, with nothing left behind.
@Suite("PDF renderer")
struct PDFRendererTests {
    @Test("HTML becomes a PDF with the given stylesheet; the scratch files are removed")
    func renders() async throws {
        let folder = try TemporaryFolder()
        let css = folder.path + "/style.css"
        try Data("h1 { color: #123456; }".utf8).write(to: URL(fileURLWithPath: css))
        let scratch = URL(fileURLWithPath: folder.path + "/tmp")
        let pdf = try await PDFRenderer().render(
            "<!doctype html><title>t</title><h1>Invoice 42</h1><p>Total £9.99</p>", stylesheets: [css],
            scratch: scratch)
        #expect(pdf.starts(with: Data("%PDF-".utf8)))
        let text = try await CustomerAreaTests.pdfText(Array(pdf))
        #expect(text.contains("Invoice 42") && text.contains("Total £9.99"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test("a missing tool, a failing one and one that never ends are each reported, and leave nothing behind")
    func failures() async throws {
        let folder = try TemporaryFolder()
        let scratch = URL(fileURLWithPath: folder.path + "/tmp")
        await #expect(throws: PDFRenderer.Failure.unavailable("No such file or directory")) {
            _ = try await PDFRenderer(executable: folder.path + "/no-such-tool").render(
                "<p>x</p>", stylesheets: [], scratch: scratch)
        }
        do {
            _ = try await PDFRenderer(executable: "/bin/false").render("<p>x</p>", stylesheets: [], scratch: scratch)
            Issue.record("a failing tool was taken for a success")
        } catch PDFRenderer.Failure.failed {
        }
        // A tool that sleeps far longer than the limit is stopped (the limit, not the machine's speed, decides).
        let slow = folder.path + "/slow-tool"
        try Data("#!/bin/sh\nexec sleep 600\n".utf8).write(to: URL(fileURLWithPath: slow))
        chmod(slow, 0o755)
        await #expect(throws: PDFRenderer.Failure.timedOut) {
            _ = try await PDFRenderer(executable: slow, timeout: .milliseconds(300)).render(
                "<p>x</p>", stylesheets: [], scratch: scratch)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }
}
