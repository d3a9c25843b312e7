import AsyncHTTPClient
import Foundation
import GRDB
import Integrations
import NIOCore
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// A real `portal serve` killed with SIGKILL between "the Stripe event is recorded" and "the payment is applied to
/// WHMCS" (and again right after AddInvoicePayment, before it is marked), then started again: exactly one payment.
@Suite("Card payments across crashes")
struct CardPaymentCrashTests {
    static func serve(_ dataPath: String, port: Int, crashAt point: CrashPoint?) throws -> ChildProcess {
        let executable = try #require(ExecutableTests.executable)
        return try ChildProcess(
            executable,
            [
                "serve", "--data-dir", dataPath, "--port", String(port), "--assets-dir", TestPaths.assets,
                "--sandbox-upstreams", "--log-level", "error",
            ] + (point.map { ["--crash-after-step", $0.rawValue] } ?? []))
    }

    static let http = HTTPClient(eventLoopGroupProvider: .singleton)

    /// Waits (bounded) until the server answers `/health`.
    static func ready(_ port: Int) async throws {
        for _ in 0..<600 {
            if let response = try? await http.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(5)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the server on port \(port) never answered")
    }

    /// Posts a signed Stripe event to acme's host; nil when the connection died (the process killed itself).
    static func deliver(_ payload: String, secret: String, port: Int) async -> Int? {
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/stripe")
        request.method = .POST
        request.headers.add(name: "Host", value: "acme.localhost:\(port)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(
            name: "Stripe-Signature",
            value:
                "t=\(timestamp),v1=\(StripeWebhook.signature(payload: Array(payload.utf8), secret: secret, timestamp: timestamp))"
        )
        request.body = .bytes(ByteBuffer(string: payload))
        guard let response = try? await http.execute(request, timeout: .seconds(60)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    @Test(
        "SIGKILL after the event is recorded or after AddInvoicePayment, then a restart: one payment in WHMCS",
        arguments: [CrashPoint.stripeEvent, .cardPayment])
    func crashAndResume(point: CrashPoint) async throws {
        try await withSandbox(autoCapture: false) { sandbox, whmcsURL, whmURL in
            let folder = try TemporaryFolder()
            try await createTenants([.acme], in: folder.path)
            let dependencies = try await makeDependencies(dataPath: folder.path)
            try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
            let tenant = try dependencies.registryTenant("acme")
            // No endpoint at Stripe: the test delivers the event itself, to the process under test.
            let account = try await sandbox.stripe.ensureAccount("acme", webhookURL: "")
            try await DemoTenants.connectStripe(
                tenant, account: account, baseURL: try #require(sandbox.stripe.address.baseURL),
                dependencies: dependencies)
            let customer = try await makeAccount(dependencies, email: "crash-\(point.rawValue)@example.com")
            let link = try await dependencies.upstreams.billingClient(
                for: customer,
                profile: BillingProfile(
                    firstName: "Crash", lastName: "Test", address1: "1 Road", city: "Leeds", state: "Yorkshire",
                    postcode: "LS1 1AA", country: "GB", phoneNumber: "+44 113 496 0000"),
                in: tenant)
            let (whmcs, _) = try await dependencies.upstreams.whmcs(for: tenant)
            let invoice = try await whmcs.createInvoice(
                clientID: link.clientID, lines: [("Hosting", 1500)], paymentMethod: "mailin",
                marker: "crash \(point.rawValue)")
            let port = try DNSServer.freePort()
            let route = try await dependencies.cardPayments.route(
                invoiceID: invoice, account: customer, in: tenant,
                returnURL: "http://acme.localhost:\(port)/account/invoices/\(invoice)")
            guard case .stripe(let page) = route else {
                Issue.record("no Stripe page: \(route)")
                return
            }
            #expect(try await CardPaymentTests.payOnStripe(page, card: "4242424242424242").status == 303)
            let completed = try #require(
                try await sandbox.stripe.events(secretKey: account.secretKey).first {
                    $0.type == "checkout.session.completed"
                })
            let payload = try #require(try await sandbox.stripe.payload(of: completed.id))
            await dependencies.databases.closeAll()
            try dependencies.platform.close()

            // First run: the webhook is recorded, then the process dies by its own SIGKILL.
            let first = try Self.serve(folder.path, port: port, crashAt: point)
            try await Self.ready(port)
            _ = await Self.deliver(payload, secret: account.webhookSecret, port: port)
            #expect(await first.exit(within: 60), "the process did not reach \(point.rawValue)")
            #expect(first.termination == .signalled(SIGKILL))

            // Second run: the pipeline finds the recorded payment and finishes it, once.
            let second = try Self.serve(folder.path, port: port, crashAt: nil)
            defer { if second.isRunning { second.terminate() } }
            try await Self.ready(port)
            var payments: [String] = []
            for _ in 0..<600 {
                payments = try await CardPaymentTests.transactions(sandbox, invoice: invoice).map(\.0)
                if !payments.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            // Stripe delivers the event again after the restart: still nothing twice.
            #expect(await Self.deliver(payload, secret: account.webhookSecret, port: port) == 200)
            let database = try TenantDatabase.open(
                path: DataDirectory(path: folder.path).tenantDatabasePath(tenant.slug), tenantID: tenant.id)
            defer { try? database.close() }
            var applied: CardPayment?
            for _ in 0..<600 {
                applied =
                    try await database.payments.unappliedPayments().isEmpty
                    ? try await database.payments.latestPayment(invoice: invoice, of: customer.id) : nil
                if applied?.appliedAt != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            second.terminate()
            #expect(await second.exit(within: 20))
            payments = try await CardPaymentTests.transactions(sandbox, invoice: invoice).map(\.0)
            #expect(
                payments.count == 1 && payments.first?.hasPrefix("pi_") == true, "after \(point.rawValue): \(payments)")
            #expect(applied?.appliedAt != nil && applied?.status == .paid)
            let status = try await sandbox.store.read { db in
                try String.fetchOne(db, sql: "SELECT status FROM whmcs_invoices WHERE id = ?", arguments: [invoice])
            }
            #expect(status == "Paid")
        }
    }
}
