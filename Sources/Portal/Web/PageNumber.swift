import Foundation
import Hummingbird

/// A `?page=` number: 1 when missing or not a number, and at most a million, so `(page - 1) * perPage` never
/// overflows (an overflow would stop the whole process).
package enum PageNumber {
    package static let maximum = 1_000_000

    package static func parse(_ raw: String?) -> Int {
        min(max(1, raw.flatMap { Int($0) } ?? 1), maximum)
    }
}
