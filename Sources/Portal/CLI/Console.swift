import Foundation

/// Where commands write what they tell the user; tests capture it instead of standard output.
package enum Console {
    /// Unbuffered, so lines appear at once even when standard output is a pipe or a file.
    @TaskLocal package static var sink: @Sendable (String) -> Void = { text in
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    package static func line(_ text: String = "") {
        sink(text)
    }
}

/// A failure a command reports to the user as `Error: …` with exit status 1.
package struct CommandError: Error, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
