import Foundation

/// What a hosting account uses of its limits, as WHM reports them; a nil limit is unlimited.
package struct WHMUsage: Sendable, Equatable {
    package var diskUsedMB: Double
    package var diskLimitMB: Double?
    package var bandwidthUsedBytes: Int64
    package var bandwidthLimitBytes: Int64?

    package init(diskUsedMB: Double, diskLimitMB: Double?, bandwidthUsedBytes: Int64, bandwidthLimitBytes: Int64?) {
        self.diskUsedMB = diskUsedMB
        self.diskLimitMB = diskLimitMB
        self.bandwidthUsedBytes = bandwidthUsedBytes
        self.bandwidthLimitBytes = bandwidthLimitBytes
    }
}

extension WHMClient {
    /// Disk use from listaccts (`diskused`/`disklimit`, such as "14M" and "unlimited") and this month's bandwidth from
    /// showbw (`totalbytes`, `limit` in bytes, 0 meaning unlimited); nil when the account is not the reseller's.
    package func usage(username: String) async throws -> WHMUsage? {
        guard let account = try await account(username: username) else { return nil }
        let pattern = "^" + NSRegularExpression.escapedPattern(for: username) + "$"
        let json = try await perform("showbw", [("searchtype", "user"), ("search", pattern)], safety: .safe)
        let entry = (json["data"]?["acct"]?.elements ?? []).first { $0["user"]?.string == username }
        let limit = entry?["limit"]?.int.map(Int64.init) ?? 0
        return WHMUsage(
            diskUsedMB: Self.megabytes(account.diskUsed) ?? 0, diskLimitMB: Self.megabytes(account.diskLimit),
            bandwidthUsedBytes: entry?["totalbytes"]?.int.map(Int64.init) ?? 0,
            bandwidthLimitBytes: limit > 0 ? limit : nil)
    }

    /// "14M", "1.5G", "512K" or a bare number of megabytes; nil for "unlimited", "none" or anything else.
    static func megabytes(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let unit = trimmed.last else { return nil }
        let scale: [Character: Double] = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024]
        if let factor = scale[unit], let value = Double(trimmed.dropLast()) { return value * factor }
        return Double(trimmed)
    }
}
