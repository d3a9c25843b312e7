import Branding
import TestSupport
import Testing

/// The shipped message catalogs, read once for the test process.
enum TestLanguages {
    static let shipped: Languages = {
        do {
            return try Languages.load(directory: TestPaths.assets + "/locales")
        } catch {
            fatalError("the shipped message catalogs do not load: \(error)")
        }
    }()
}

/// Runs a suite's tests with English messages bound, as a request or a job would: for tests that call page models
/// and desks directly, without the app (which binds the reader's language itself).
struct EnglishMessages: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await Localizer.$current.withValue(TestLanguages.shipped.localizer(Languages.english)) {
            try await function()
        }
    }
}

extension Trait where Self == EnglishMessages {
    /// English messages bound for the test, as `LanguageMiddleware` binds them for an English request.
    static var englishMessages: Self { EnglishMessages() }
}
