import Foundation

/// The step between "Cancel this service" and the cancellation itself: what ends and when, the reason given, and a
/// single button that cancels. With a problem (no choice of when, an over-long reason) it is the form again.
package struct CancelConfirmationPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let serviceName: String
    package let domain: String?
    package let immediately: Bool
    /// The end of the paid term, when it ends then.
    package let endDate: String?
    package let reason: String
    /// The reason, when one was given (templates treat an empty string as present).
    package let givenReason: String?
    package let key: String
    package let backURL: String
    package let cancelURL: String
    /// The form's choice, as sent: "now", "end" or nothing.
    package let when: String
    package let whenIsNow: Bool
    package let whenIsEnd: Bool
    package let whenError: String?
    package let reasonError: String?
    /// Stored for the template: the form again rather than the confirmation.
    package let hasProblem: Bool
    package let whenText: String

    init(
        chrome: StorefrontChrome, csrf: String, serviceName: String, domain: String, immediately: Bool,
        endDate: String, reason: String, key: String, backURL: String, cancelURL: String, when: String,
        whenError: String?, reasonError: String?
    ) {
        self.chrome = chrome
        self.csrf = csrf
        self.serviceName = serviceName
        self.domain = domain.isEmpty ? nil : domain
        self.immediately = immediately
        self.endDate = endDate.isEmpty ? nil : endDate
        self.reason = reason
        givenReason = reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : reason
        self.key = key
        self.backURL = backURL
        self.cancelURL = cancelURL
        self.when = when
        whenIsNow = when == "now"
        whenIsEnd = when == "end"
        self.whenError = whenError
        self.reasonError = reasonError
        hasProblem = whenError != nil || reasonError != nil
        whenText =
            immediately
            ? tr("services.cancel.when_now")
            : endDate.isEmpty
                ? tr("services.cancel.when_end") : tr("services.cancel.when_end_on", ["date": endDate])
    }
}
