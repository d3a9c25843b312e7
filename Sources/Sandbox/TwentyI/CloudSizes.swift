import Foundation

/// What each of 20i's cloud sizes is built with, per provider: the simulator builds servers to this table.
///
/// Read from the same published table the platform describes its products with (`resource-map.json`), by the
/// simulator's own reader.
package struct CloudSizes: Sendable, Equatable {
    package struct Resources: Sendable, Equatable {
        package let cpu: Int
        package let ramGB: Int
        package let storageGB: Int

        package init(cpu: Int, ramGB: Int, storageGB: Int) {
            self.cpu = cpu
            self.ramGB = ramGB
            self.storageGB = storageGB
        }
    }

    private let table: [String: [String: Resources]]

    /// No sizes: every cloud order is refused as an unknown size.
    package static let none = CloudSizes(table: [:])

    private init(table: [String: [String: Resources]]) {
        self.table = table
    }

    /// A table that cannot be read as documented: the simulator refuses to start rather than build wrong servers.
    package struct Invalid: Error, CustomStringConvertible {
        package let description: String
    }

    /// `{"providers": [{"id": "20i", "sizes": [{"size": "micro", "cpu": 1, "ramGB": 1, "storageGB": 25}, …]}]}`.
    package static func load(path: String) throws -> CloudSizes {
        let document = try JSONValue(data: Data(contentsOf: URL(fileURLWithPath: path)))
        var table: [String: [String: Resources]] = [:]
        for provider in document["providers"]?.elements ?? [] {
            guard let id = provider["id"]?.string, table[id] == nil, let sizes = provider["sizes"]?.elements,
                !sizes.isEmpty
            else { throw Invalid(description: "\(path): a provider without an id or sizes, or listed twice") }
            for size in sizes {
                guard let name = size["size"]?.string, let cpu = size["cpu"]?.int, let ram = size["ramGB"]?.int,
                    let storage = size["storageGB"]?.int, table[id]?[name] == nil
                else { throw Invalid(description: "\(path): provider \(id) has an unreadable or repeated size") }
                table[id, default: [:]][name] = Resources(cpu: cpu, ramGB: ram, storageGB: storage)
            }
        }
        return CloudSizes(table: table)
    }

    package func resources(provider: String, size: String) -> Resources? {
        table[provider]?[size]
    }
}
