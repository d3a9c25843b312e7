import Foundation
import Integrations
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// An in-memory registrar search: names it says are taken, the queries asked, and whether it is down.
final class InMemoryDomainSearch: DomainSearching {
    private let state = Mutex<(taken: Set<String>, queries: [String], down: Bool)>(([], [], false))
    var queries: [String] { state.withLock { $0.queries } }
    func take(_ name: String) { state.withLock { _ = $0.taken.insert(name) } }
    func goDown() { state.withLock { $0.down = true } }

    func searchDomains(_ query: String) async throws -> [TwentyIDomainResult] {
        try state.withLock { state in
            state.queries.append(query)
            if state.down { throw UpstreamError.badStatus(.twentyI, action: "searchDomains", status: 503) }
            return query.split(separator: ",").map {
                TwentyIDomainResult(name: String($0), available: !state.taken.contains(String($0)), isSuggestion: false)
            }
        }
    }
}

/// Domain search through `DomainAvailability`, on an in-memory registrar; no HTTP, no simulator.
@Suite("Domain availability")
struct DomainAvailabilityTests {
    static let acme = Tenant(
        id: .init(1), slug: try! TenantSlug(validating: "acme"), name: "Acme", status: .active, createdAt: Date())

    @Test("the name asked for comes first, then every other ending sold, at most twelve, in one registrar call")
    func names() async throws {
        let registrar = InMemoryDomainSearch()
        registrar.take("example.com")
        let availability = DomainAvailability(registrar: { _ in registrar }, logger: .init(label: "test"))
        let found = await availability.search(
            label: "example", ending: "net", endings: ["com", "net", "org"], in: Self.acme)
        #expect(found.names == ["example.net", "example.com", "example.org"])
        #expect(found.available == ["example.net": true, "example.com": false, "example.org": true])
        #expect(!found.unchecked && registrar.queries == ["example.net,example.com,example.org"])

        let many = (1...20).map { "t\($0)" }
        let capped = await availability.search(label: "x", ending: nil, endings: many, in: Self.acme)
        #expect(capped.names.count == DomainAvailability.maximumNames && capped.names.first == "x.t1")
    }

    @Test("when the registrar does not answer, the names are still offered, marked unchecked")
    func registrarDown() async throws {
        let registrar = InMemoryDomainSearch()
        registrar.goDown()
        let availability = DomainAvailability(registrar: { _ in registrar }, logger: .init(label: "test"))
        let found = await availability.search(label: "example", ending: nil, endings: ["com"], in: Self.acme)
        #expect(found == .init(names: ["example.com"], available: [:], unchecked: true))
    }
}
