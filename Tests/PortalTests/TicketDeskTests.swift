import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// An in-memory WHMCS support desk: the tickets and replies it took, and whether it refuses.
final class InMemorySupportDesk: SupportDesk {
    private let state = Mutex<(opened: [WHMCSNewTicket], replies: [String], refusing: Bool)>(([], [], false))

    var opened: [WHMCSNewTicket] { state.withLock { $0.opened } }
    var replies: [String] { state.withLock { $0.replies } }
    func refuse(_ refusing: Bool) { state.withLock { $0.refusing = refusing } }

    func supportDepartments() async throws -> [(id: Int, name: String)] { [(1, "Support"), (2, "Sales")] }

    func openTicket(_ ticket: WHMCSNewTicket) async throws -> WHMCSOpenedTicket {
        try state.withLock { state in
            if state.refusing { throw UpstreamError.badStatus(.whmcs, action: "OpenTicket", status: 500) }
            state.opened.append(ticket)
            return WHMCSOpenedTicket(id: 700 + state.opened.count, number: "TKT-\(state.opened.count)", accessCode: "x")
        }
    }

    func addTicketReply(ticketID: Int, clientID: Int, message: String) async throws {
        try state.withLock { state in
            if state.refusing { throw UpstreamError.badStatus(.whmcs, action: "AddTicketReply", status: 500) }
            state.replies.append("\(ticketID):\(clientID):\(message)")
        }
    }

    func addStaffReply(ticketID: Int, adminUsername: String, message: String) async throws {}
}

/// Opening and answering tickets through WHMCS, reserve → call → confirm or undo; no HTTP, no simulator.
@Suite("Ticket desk")
struct TicketDeskTests {
    static func desk(
        _ dependencies: PortalDependencies, _ support: InMemorySupportDesk, clientID: Int? = 42
    ) -> TicketDesk {
        TicketDesk(
            databases: dependencies.databases, desk: { _ in support },
            billingClient: { account, _ in
                clientID.map { BillingClientLink(accountID: account.id, clientID: $0, groupID: 1) }
            },
            now: { Date() }
        )
    }

    static func request(key: String = "key-0123456789abcdefghij") -> TicketRequest {
        TicketRequest(
            departmentID: 1, departmentName: "Support", subject: "Site down", message: "It is down.",
            serviceID: nil, idempotencyKey: key
        )
    }

    @Test("a ticket posted twice with one form key is opened once, with the customer's WHMCS client")
    func opensOnce() async throws {
        try await withPortal { _, dependencies in
            let account = try await makeAccount(dependencies, email: "ada@example.com")
            let acme = try dependencies.registryTenant("acme")
            let support = InMemorySupportDesk()
            let desk = Self.desk(dependencies, support)

            let first = try await desk.open(Self.request(), by: account, in: acme, ip: "192.0.2.1")
            let again = try await desk.open(Self.request(), by: account, in: acme, ip: "192.0.2.1")

            guard case .opened(let id) = first else { Issue.record("not opened: \(first)"); return }
            #expect(again == .opened(id))
            #expect(support.opened.map(\.clientID) == [42])
            let stored = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.tickets.ticket(id, of: account.id)
            }
            #expect(stored?.0.whmcsTicketID == 701)
            #expect(stored?.0.number == "TKT-1")
        }
    }

    @Test("when WHMCS refuses, nothing half-made is kept and the same form can be sent again")
    func refusalUndoesTheReservation() async throws {
        try await withPortal { _, dependencies in
            let account = try await makeAccount(dependencies, email: "ada@example.com")
            let acme = try dependencies.registryTenant("acme")
            let support = InMemorySupportDesk()
            let desk = Self.desk(dependencies, support)
            support.refuse(true)

            await #expect(throws: UpstreamError.self) {
                _ = try await desk.open(Self.request(), by: account, in: acme, ip: "")
            }
            let kept = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.tickets.tickets(of: account.id, limit: 10, offset: 0).total
            }
            #expect(kept == 0)

            support.refuse(false)
            guard case .opened = try await desk.open(Self.request(), by: account, in: acme, ip: "") else {
                Issue.record("the retry did not open the ticket")
                return
            }
            #expect(support.opened.count == 1)
        }
    }

    @Test("a customer with no WHMCS client and no billing details is asked for them; WHMCS is not called")
    func needsBillingDetails() async throws {
        try await withPortal { _, dependencies in
            let account = try await makeAccount(dependencies, email: "ada@example.com")
            let acme = try dependencies.registryTenant("acme")
            let support = InMemorySupportDesk()
            let outcome = try await Self.desk(dependencies, support, clientID: nil)
                .open(Self.request(), by: account, in: acme, ip: "")
            #expect(outcome == .needsBillingDetails)
            #expect(support.opened.isEmpty)
        }
    }

    @Test("a reply WHMCS refuses is not added to the thread; another brand's database never sees the ticket")
    func replies() async throws {
        try await withPortal { _, dependencies in
            let account = try await makeAccount(dependencies, email: "ada@example.com")
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            try await dependencies.databases.withDatabase(for: acme) { database in
                _ = try await database.upstreams.linkBillingClient(
                    .init(accountID: account.id, clientID: 42, groupID: 1))
            }
            let support = InMemorySupportDesk()
            let desk = Self.desk(dependencies, support)
            guard case .opened(let id) = try await desk.open(Self.request(), by: account, in: acme, ip: "") else {
                Issue.record("not opened")
                return
            }
            let ticket = try #require(
                try await dependencies.databases.withDatabase(for: acme) {
                    try await $0.tickets.ticket(id, of: account.id)
                }?.0)

            support.refuse(true)
            await #expect(throws: UpstreamError.self) {
                try await desk.reply(to: ticket, "Still down.", by: account, in: acme, ip: "")
            }
            support.refuse(false)
            try await desk.reply(to: ticket, "Now up, thanks.", by: account, in: acme, ip: "")

            let messages = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.tickets.ticket(id, of: account.id)
            }?.1.map(\.body)
            #expect(messages == ["It is down.", "Now up, thanks."])
            #expect(support.replies == ["701:42:Now up, thanks."])
            let elsewhere = try await dependencies.databases.withDatabase(for: globex) {
                try await $0.tickets.ticket(id, of: nil)
            }
            #expect(elsewhere == nil)
        }
    }

    @Test("the trouble page's way back is the customer's own page on this host, never another site")
    func troubleBackLink() {
        func request(referer: String?) -> Request {
            var head = HTTPRequest(method: .post, scheme: "http", authority: "acme.localhost", path: "/account/profile")
            if let referer { head.headerFields[.referer] = referer }
            return Request(head: head, body: .init(buffer: .init()))
        }
        let host = "acme.localhost"
        #expect(
            CustomerTroubleMiddleware.back(request(referer: "http://acme.localhost/account/profile?x=1"), host: host)
                == "/account/profile?x=1")
        #expect(
            CustomerTroubleMiddleware.back(request(referer: "https://evil.example/account/x"), host: host) == "/account"
        )
        #expect(
            CustomerTroubleMiddleware.back(request(referer: "http://acme.localhost/admin"), host: host) == "/account")
        #expect(CustomerTroubleMiddleware.back(request(referer: nil), host: host) == "/account")
        #expect(
            CustomerTroubleMiddleware.back(request(referer: "http://acme.localhost/account/a%3Fb?c=%26"), host: host)
                == "/account/a%3Fb?c=%26", "escapes stay escaped")
    }
}
