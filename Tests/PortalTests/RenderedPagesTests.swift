import Synchronization
import Tenancy
import Testing

@testable import Portal

@Suite("Rendered signed-in pages")
struct RenderedPagesTests {
    /// Inputs with a stamped read, counting how often their values are compared.
    struct Inputs: PageInputs {
        static let valueComparisons = Mutex(0)
        let stamp: UInt64
        let value: String
        let csrf: String

        static func == (lhs: Self, rhs: Self) -> Bool {
            guard lhs.csrf == rhs.csrf else { return false }
            if lhs.stamp == rhs.stamp { return true }
            valueComparisons.withLock { $0 += 1 }
            return lhs.value == rhs.value
        }

        func sameReads(as other: Self) -> Bool { stamp == other.stamp }
    }

    @Test("a page is rendered again only when what it shows changed; an equal value read again is adopted")
    func reuse() throws {
        let pages = RenderedPages<Inputs>(capacity: 8)
        let renders = Mutex(0)
        func page(_ inputs: Inputs, tenant: Int64 = 1, account: Int64 = 1) -> String {
            let body = pages.page(tenant: Tenant.ID(tenant), account: Account.ID(account), inputs: inputs) {
                renders.withLock { $0 += 1 }
                return "\(inputs.value) \(inputs.csrf)"
            }
            return String(buffer: body)
        }

        #expect(page(Inputs(stamp: 1, value: "one", csrf: "a")) == "one a")
        #expect(page(Inputs(stamp: 1, value: "one", csrf: "a")) == "one a")
        #expect(renders.withLock { $0 } == 1)
        #expect(Inputs.valueComparisons.withLock { $0 } == 0, "the same read: the value is not compared")

        // Read again after an unrelated commit: equal, so not rendered; the newer stamp is kept.
        #expect(page(Inputs(stamp: 2, value: "one", csrf: "a")) == "one a")
        #expect(renders.withLock { $0 } == 1)
        #expect(Inputs.valueComparisons.withLock { $0 } == 1)
        #expect(page(Inputs(stamp: 2, value: "one", csrf: "a")) == "one a")
        #expect(Inputs.valueComparisons.withLock { $0 } == 1, "matched on the adopted stamp")

        // What the page shows changed: rendered again.
        #expect(page(Inputs(stamp: 3, value: "two", csrf: "a")) == "two a")
        #expect(page(Inputs(stamp: 3, value: "two", csrf: "b")) == "two b")
        #expect(renders.withLock { $0 } == 3)

        // Another account or another tenant never gets this page.
        #expect(page(Inputs(stamp: 3, value: "two", csrf: "b"), account: 2) == "two b")
        #expect(page(Inputs(stamp: 3, value: "two", csrf: "b"), tenant: 2) == "two b")
        #expect(renders.withLock { $0 } == 5)
    }
}
