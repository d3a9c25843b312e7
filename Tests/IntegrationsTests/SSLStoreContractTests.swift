import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import Integrations

@Suite("TheSSLStore client against its simulator")
struct SSLStoreContractTests {
    static func csr(_ domain: String) throws -> CertificateRequest { try CertificateRequest.make(commonName: domain) }

    static func order(
        _ client: SSLStoreClient, _ domain: String, product: String = "positivessl",
        validation: DomainValidation = .httpFile, custom: String
    ) async throws -> SSLStoreOrder {
        try await client.newOrder(
            product: product, months: 12, csr: try csr(domain).csrPEM, domain: domain, validation: validation,
            customID: custom, contactEmail: "ada@example.com",
            contactName: ("Ada", "Lovelace")
        )
    }

    @Test("the AuthRequest goes in every body; a wrong token is refused; another call's ReplayToken is refused")
    func auth() async throws {
        try await SandboxHarness.with { sandbox in
            try await sandbox.sslStore().checkConnection()
            await #expect(
                throws: UpstreamError.authenticationFailed(.sslStore, message: "Invalid Partner Code or Auth Token")
            ) {
                try await sandbox.sslStore(token: "wrong").checkConnection()
            }
            // A reply whose ReplayToken is not this call's is refused.
            let body = Data(#"{"AuthResponse":{"isError":false,"ReplayToken":"someone-else"}}"#.utf8)
            #expect(
                throws: UpstreamError.malformedResponse(
                    .sslStore, action: "orderStatus", detail: "the ReplayToken echoed is another call's")
            ) {
                _ = try SSLStoreClient.decode(
                    UpstreamResponse(status: 200, body: body), action: "orderStatus", replay: "mine")
            }
            // No echo at all, as the vendor's SDK expects of the live service: taken, and noted.
            var noted = 0
            let silent = Data(#"{"AuthResponse":{"isError":false},"CertificateStatus":"Active"}"#.utf8)
            let taken = try SSLStoreClient.decode(
                UpstreamResponse(status: 200, body: silent), action: "orderStatus", replay: "mine"
            ) { noted += 1 }
            #expect(taken["CertificateStatus"]?.string == "Active" && noted == 1)
            // A Message given as one string keeps its text.
            let single = Data(#"{"AuthResponse":{"isError":true,"Message":"Invalid CSR"}}"#.utf8)
            #expect(throws: UpstreamError.apiError(.sslStore, action: "newOrder", message: "Invalid CSR")) {
                _ = try SSLStoreClient.decode(
                    UpstreamResponse(status: 200, body: single), action: "newOrder", replay: "mine")
            }
            // Either casing of isError is read.
            let error = Data(
                #"[{"AuthResponse":{"IsError":true,"Message":["Invalid ProductCode"],"ReplayToken":"mine"}}]"#.utf8)
            #expect(throws: UpstreamError.apiError(.sslStore, action: "productQuery", message: "Invalid ProductCode")) {
                _ = try SSLStoreClient.decode(
                    UpstreamResponse(status: 200, body: error), action: "productQuery", replay: "mine")
            }
            #expect(!sandbox.logs.all.joined().contains(sandbox.credentials.sslStoreAuthToken))
        }
    }

    @Test("products with prices per period; approvers for a domain")
    func products() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.sslStore()
            let products = try await client.products()
            #expect(products.map(\.code) == ["positivessl", "positivesslwildcard", "positivesslmdc"])
            #expect(products[0].prices == [12: 700, 24: 1300] && products[1].isWildcard && products[2].allowsSAN)
            #expect(try await client.products(code: "positivesslwildcard").map(\.name) == ["PositiveSSL Wildcard"])
            #expect(
                try await client.approvers(product: "positivessl", domain: "shop.example").first == "admin@shop.example"
            )
        }
    }

    @Test("order → HTTP-file or DNS validation details → issued after validation → download → reissue")
    func lifecycle() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.sslStore()
            let order = try await Self.order(client, "shop.example", custom: "ORD-1")
            #expect(order.majorStatus == "Pending" && !order.isActive)
            #expect(order.authFileName.hasSuffix(".txt") && order.authFileContent.contains("comodoca.com"))
            let dns = try await Self.order(client, "mail.example", validation: .dns, custom: "ORD-2")
            #expect(
                dns.cnameName.hasSuffix(".mail.example") && dns.cnameValue.hasSuffix(".comodoca.com")
                    && dns.authFileName.isEmpty)
            await #expect(
                throws: UpstreamError.apiError(
                    .sslStore, action: "download", message: "The certificate is not issued yet")
            ) {
                _ = try await client.download(id: order.id)
            }

            try await sandbox.sandbox.sslStore.completeValidation(orderID: order.id)
            let issued = try await client.order(id: order.id)
            #expect(issued.isActive && !issued.startDate.isEmpty && !issued.endDate.isEmpty)
            let files = try await client.download(id: order.id)
            #expect(
                files.first?.name == "shop.example.crt"
                    && files.first?.content.hasPrefix("-----BEGIN CERTIFICATE-----") == true)

            // A CSR for another name is refused; a new key's CSR for the same name is reissued.
            await #expect(
                throws: UpstreamError.apiError(
                    .sslStore, action: "reissue",
                    message: "The CSR's common name other.example does not match shop.example")
            ) {
                _ = try await client.reissue(
                    id: order.id, csr: try Self.csr("other.example").csrPEM, validation: .httpFile)
            }
            let reissued = try await client.reissue(
                id: order.id, csr: try Self.csr("shop.example").csrPEM, validation: .httpFile)
            #expect(
                reissued.majorStatus == "Pending" && reissued.minorStatus == "PENDING_REISSUE"
                    && reissued.authFileName != order.authFileName)
            #expect(try await client.orders(domain: "shop.example").map(\.id) == [order.id])
            #expect(try await client.orders().count == 2)
        }
    }

    @Test("a lost order answer is found by the portal's own order id; bad orders are refused in-band")
    func customIDAndRefusals() async throws {
        try await SandboxHarness.with { sandbox in
            let client = sandbox.sslStore()
            #expect(try await client.order(customID: "ORD-9") == nil)
            let placed = try await Self.order(client, "found.example", custom: "ORD-9")
            #expect(try await client.order(customID: "ORD-9")?.id == placed.id)
            await #expect(
                throws: UpstreamError.apiError(
                    .sslStore, action: "newOrder", message: "CustomOrderID ORD-9 is already used")
            ) {
                _ = try await Self.order(client, "found.example", custom: "ORD-9")
            }
            await #expect(
                throws: UpstreamError.apiError(
                    .sslStore, action: "newOrder", message: "PositiveSSL does not cover wildcard names")
            ) {
                _ = try await Self.order(client, "*.found.example", custom: "ORD-10")
            }
            await #expect(throws: UpstreamError.apiError(.sslStore, action: "newOrder", message: "Invalid CSR")) {
                _ = try await client.newOrder(
                    product: "positivessl", months: 12, csr: "not a csr", domain: "x.example", validation: .email,
                    customID: "ORD-11",
                    contactEmail: "a@example.com", contactName: ("A", "B")
                )
            }
            await #expect(throws: UpstreamError.apiError(.sslStore, action: "orderStatus", message: "Order not found"))
            {
                _ = try await client.order(id: "1")
            }
        }
    }
}
