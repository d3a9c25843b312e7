import Foundation
import Testing

@testable import Portal

/// Rate limits that cannot be reset by other traffic, and per-address limits that count an IPv6 /64 as one.
@Suite("Rate limits")
struct RateLimiterTests {
    @Test("a busy short rule never wipes a long rule's counter: each bucket keeps its own window")
    func ownWindows() {
        let limiter = RateLimiter(pruneThreshold: 50)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let resets = RateLimiter.Rule(limit: 3, window: 3600)
        let searches = RateLimiter.Rule(limit: 30, window: 60)
        for _ in 0..<3 { #expect(limiter.hit(resets, scope: "tenant:1", key: "reset:ada", now: start) == nil) }
        #expect(limiter.hit(resets, scope: "tenant:1", key: "reset:ada", now: start) != nil, "the fourth is refused")
        // Two minutes later a flood of searches from many addresses makes the limiter prune.
        let later = start.addingTimeInterval(120)
        for address in 0..<200 {
            _ = limiter.hit(
                searches, scope: "tenant:1", key: "domain-search:10.0.\(address / 250).\(address % 250)", now: later)
        }
        #expect(limiter.count <= 201, "expired buckets were pruned: \(limiter.count)")
        #expect(limiter.hit(resets, scope: "tenant:1", key: "reset:ada", now: later) != nil, "the hour's count stands")
        // Once its own hour is over, the reset counter starts again.
        #expect(limiter.hit(resets, scope: "tenant:1", key: "reset:ada", now: start.addingTimeInterval(3601)) == nil)
    }

    @Test("an IPv6 client is counted by its /64; IPv4 and IPv4-mapped addresses by themselves")
    func addresses() {
        #expect(ClientKey.forAddress("2001:db8:1:2:aaaa::1") == ClientKey.forAddress("2001:0db8:0001:0002:ffff:1:2:3"))
        #expect(ClientKey.forAddress("2001:db8:1:2::1") == "2001:db8:1:2::/64")
        #expect(ClientKey.forAddress("2001:db8:1:3::1") != ClientKey.forAddress("2001:db8:1:2::1"))
        #expect(ClientKey.forAddress("203.0.113.7") == "203.0.113.7")
        #expect(ClientKey.forAddress("::ffff:203.0.113.7") == "203.0.113.7")
        #expect(ClientKey.forAddress(nil) == "-")

        let limiter = RateLimiter()
        let rule = RateLimiter.Rule(limit: 5, window: 60)
        let now = Date()
        for host in 1...5 {
            #expect(
                limiter.hit(rule, scope: "tenant:1", key: ClientKey.forAddress("2001:db8:1:2::\(host)"), now: now)
                    == nil)
        }
        #expect(
            limiter.hit(rule, scope: "tenant:1", key: ClientKey.forAddress("2001:db8:1:2::99"), now: now) != nil,
            "another address of the same /64 shares the limit")
        #expect(limiter.hit(rule, scope: "tenant:1", key: ClientKey.forAddress("2001:db8:1:3::1"), now: now) == nil)
    }

    @Test("the sign-in throttle prunes ended records at most once a second, however many failures arrive")
    func throttlePruning() {
        let throttle = LoginThrottle(pruneThreshold: 100)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        // 1,000 failures for different accounts within one second: one pruning pass, not one per failure.
        for account in 0..<1_000 {
            throttle.recordFailure(
                .init(scope: "tenant:1", account: "a\(account)", address: "10.0.\(account / 256).\(account % 256)"),
                now: start.addingTimeInterval(Double(account) / 2_000))
        }
        #expect(throttle.counts.prunes == 1)
        // Once their 15 minutes are over, the next pass drops them.
        throttle.recordFailure(
            .init(scope: "tenant:1", account: "late", address: "10.9.9.9"), now: start.addingTimeInterval(16 * 60))
        // The late failure's own three counts (account and address, account, address) are all that is left.
        #expect(throttle.counts.prunes == 2 && throttle.counts.records == 3)
    }
}
