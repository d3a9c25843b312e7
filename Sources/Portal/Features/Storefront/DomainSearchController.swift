import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Logging
import NIOCore
import Tenancy

/// `/domains/search?q=NAME`: availability from 20i and the brand's own price per ending, with the name in every
/// ending the brand sells as suggestions, each linking into checkout.
package struct DomainSearchController: Sendable {
    let pages: PageRenderer
    let availability: DomainAvailability
    /// Searches reach 20i (usage-limited there): each address gets a budget per brand.
    let limiter: RateLimiter
    /// The clock the budget's window is counted on; tests move it.
    let now: @Sendable () -> Date
    static let searchesPerAddress = RateLimiter.Rule(limit: 30, window: 60)

    package func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(StorefrontPaths.domainSearch.route, use: search)
    }

    package struct Page: Sendable {
        package struct Result: Sendable {
            package let name: String
            package let available: Bool
            package let unknown: Bool
            package let price: String
            package let transferPrice: String
            package let orderURL: String
            package let transferURL: String
            package let isAsked: Bool
        }

        package let chrome: StorefrontChrome
        package let query: String
        package let error: String?
        package let notice: String?
        package let results: [Result]
        package let hasResults: Bool
        package let endings: String
    }

    /// The label and, when given, the ending of what was typed: `Example.CO.UK ` → ("example", "co.uk").
    static func parse(_ raw: String) -> (label: String, ending: String?)? {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        for prefix in ["https://", "http://", "www."] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        text = String(text.prefix { $0 != "/" })
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            // An internationalised name is searched, priced and ordered in its ASCII (punycode) form.
            guard let ascii = try? IDNA.toASCII(text) else { return nil }
            text = ascii
        }
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        guard let label = parts.first, (1...63).contains(label.count), !label.hasPrefix("-"), !label.hasSuffix("-"),
            label.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" })
        else { return nil }
        return (label, parts.count > 1 ? parts[1] : nil)
    }

    @Sendable func search(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        let raw = request.uri.queryParameters.get("q") ?? ""
        let product = content.catalogue.entries.first {
            $0.product.kind == .domain && $0.product.isOrderable && !$0.domainPrices.isEmpty
        }
        let endings = product?.domainPrices.map { "." + $0.tld }.joined(separator: ", ") ?? ""
        func page(
            _ results: [Page.Result] = [], error: String? = nil, notice: String? = nil,
            status: HTTPResponse.Status = .ok
        ) throws -> Response {
            var response = Response(
                status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: try pages.render(
                            Page(
                                chrome: context.chrome, query: raw, error: error, notice: notice, results: results,
                                hasResults: !results.isEmpty, endings: endings),
                            template: "storefront/domain-search"
                        )))
            )
            response.headers[HTTPField.Name("X-Robots-Tag")!] = "noindex"
            return response
        }
        guard let product else {
            return try page(notice: tr("storefront.domain-search.not_on_sale"), status: .notFound)
        }
        guard !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return try page() }
        guard raw.count <= 253, let (label, ending) = Self.parse(raw) else {
            return try page(
                error: tr("storefront.domain-search.invalid_name"),
                status: .unprocessableContent)
        }
        if let ending, product.domainPrice(tld: ending) == nil {
            return try page(
                error: tr("storefront.domain-search.ending_not_sold", ["ending": ending, "endings": endings]),
                status: .unprocessableContent)
        }
        if let wait = limiter.hit(
            Self.searchesPerAddress, scope: "tenant:\(context.tenant.id)",
            key: "domain-search:\(ClientKey.forAddress(context.origin.clientAddress))", now: now())
        {
            var response = try page(
                error: trCount("storefront.domain-search.too_many", wait),
                status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let found = await availability.search(
            label: label, ending: ending, endings: product.domainPrices.map(\.tld), in: context.tenant)
        let names = found.names
        let notice: String? =
            found.unchecked
            ? tr("storefront.domain-search.unchecked")
            : nil
        let currency = content.brand.currency
        let results = names.compactMap { name -> Page.Result? in
            guard let tld = OrderQuote.tld(of: name, in: product), let price = product.domainPrice(tld: tld) else {
                return nil
            }
            let encoded = QueryComponent.encode(name)
            return Page.Result(
                name: IDNA.toUnicode(name), available: found.available[name] == true,
                unknown: found.available[name] == nil,
                price: Money.format(minor: price.registerMinor, currency: currency),
                transferPrice: Money.format(minor: price.transferMinor, currency: currency),
                orderURL: StorefrontPaths.order.link(product.product.slug)
                    + "?domain=\(encoded)&domain_action=register",
                transferURL: StorefrontPaths.order.link(product.product.slug)
                    + "?domain=\(encoded)&domain_action=transfer",
                isAsked: name == names.first && ending != nil
            )
        }
        return try page(results, notice: notice)
    }
}
