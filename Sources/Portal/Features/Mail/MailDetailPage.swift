import Foundation
import Tenancy

/// `/admin/mail/{id}`: one message exactly as it is (or would be) sent: headers, text part, HTML part in a sandbox.
package struct MailDetailPage: Sendable {
    package struct Header: Sendable {
        package let name: String
        package let value: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let notice: Notice?
    package let id: Int64
    package let subject: String
    package let status: String
    package let attempts: Int
    package let lastError: String
    package let headers: [Header]
    package let text: String
    package let hasHTML: Bool
    package let canRetry: Bool
    package let canCancel: Bool
    package let canManage: Bool

    init(chrome: StorefrontChrome, csrf: String, notice: Notice?, mail: OutboxMail, canManage: Bool) {
        self.chrome = chrome
        self.csrf = csrf
        self.notice = notice
        id = mail.id
        subject = mail.subject
        status = mail.status.rawValue
        attempts = mail.attempts
        lastError = mail.lastError
        var headers = [
            Header(
                name: "From", value: MailMessage.mailbox(MailAddress(name: mail.fromName, address: mail.fromAddress))),
            Header(name: "To", value: MailMessage.mailbox(MailAddress(name: mail.toName, address: mail.toAddress))),
        ]
        if !mail.replyTo.isEmpty { headers.append(Header(name: "Reply-To", value: "<\(mail.replyTo)>")) }
        headers += [
            Header(name: "Subject", value: mail.subject),
            Header(name: "Date", value: MailMessage.rfc5322(mail.createdAt)),
            Header(name: "Message-ID", value: mail.messageID),
        ]
        self.headers = headers
        text = MailController.redacted(mail.textBody)
        hasHTML = mail.htmlBody != nil
        canRetry = canManage && (mail.status == .failed || mail.status == .cancelled)
        canCancel = canManage && (mail.status == .queued || mail.status == .failed)
        self.canManage = canManage
    }
}
