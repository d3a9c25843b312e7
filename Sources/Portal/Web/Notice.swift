import Foundation
import Tenancy

/// A message shown above a form or page: a confirmation or a problem.
package struct Notice: Sendable {
    package let text: String
    package let isError: Bool

    package static func success(_ text: String) -> Notice { Notice(text: text, isError: false) }
    package static func error(_ text: String) -> Notice { Notice(text: text, isError: true) }
}
