import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension TicketsController {
    package struct ListPage: Sendable {
        package struct Row: Sendable {
            package let id: Int64
            package let number: String
            package let subject: String
            package let department: String
            package let status: String
            package let updated: String
            package let customer: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package let rows: [Row]
        package let hasRows: Bool
        package let previousURL: String?
        package let nextURL: String?
        package let openOnly: Bool
    }

    package struct NewPage: Sendable {
        package struct Choice: Sendable {
            package let value: String
            package let label: String
            package let selected: Bool
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let departments: [Choice]
        package let services: [Choice]
        package let hasServices: Bool
        package let subject: String
        package let message: String
        package let key: String
        package let errors: [String: String]
    }

    package struct ThreadPage: Sendable {
        package struct Message: Sendable {
            package let author: String
            package let isStaff: Bool
            package let paragraphs: [String]
            package let date: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let id: Int64
        package let number: String
        package let subject: String
        package let department: String
        package let status: String
        package let isOpen: Bool
        package let customer: String
        package let messages: [Message]
        package let replyError: String?
        package let reply: String
        package let action: String
        package let backURL: String
    }
}
