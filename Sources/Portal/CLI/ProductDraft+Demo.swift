import Branding
import Foundation
import Tenancy

extension ProductDraft {
    typealias Prices = [(cycle: String, price: String, setup: String)]

    static func hosting(
        _ slug: String, _ name: String, _ summary: String, package: String, diskMB: Int, features: [String],
        position: Int,
        prices: Prices, reseller accounts: Int? = nil
    ) -> ProductDraft {
        var draft = base(
            slug, name, summary, kind: accounts == nil ? .sharedHosting : .resellerHosting, features, position, prices)
        draft.whmPackage = package
        draft.diskMB = String(diskMB)
        draft.resellerAccounts = accounts.map(String.init) ?? ""
        return draft
    }

    static func cloud(
        _ slug: String, _ name: String, _ summary: String, provider: String, size: String, features: [String],
        position: Int,
        prices: Prices
    ) -> ProductDraft {
        var draft = base(slug, name, summary, kind: .cloudServer, features, position, prices)
        draft.cloudProvider = provider
        draft.cloudSize = size
        return draft
    }

    static func ssl(
        _ slug: String, _ name: String, _ summary: String, type: String, code: String, features: [String],
        position: Int,
        prices: Prices
    ) -> ProductDraft {
        var draft = base(slug, name, summary, kind: .ssl, features, position, prices)
        draft.sslType = type
        draft.sslProductCode = code
        return draft
    }

    static func domains(
        _ slug: String, _ name: String, _ summary: String, position: Int, tlds: [(String, String, String, String)]
    ) -> ProductDraft {
        var draft = base(slug, name, summary, kind: .domain, [], position, [])
        draft.domainPrices = tlds.map { TLDPrice(tld: $0.0, register: $0.1, transfer: $0.2, renew: $0.3) }
        return draft
    }

    static func base(
        _ slug: String, _ name: String, _ summary: String, kind: Product.Kind, _ features: [String], _ position: Int,
        _ prices: Prices
    ) -> ProductDraft {
        var draft = ProductDraft()
        draft.slug = slug
        draft.name = name
        draft.summary = summary
        draft.kind = kind.rawValue
        draft.features = features.joined(separator: "\n")
        draft.position = String(position)
        draft.prices = prices.map { CyclePrice(cycle: $0.cycle, price: $0.price, setup: $0.setup) }
        return draft
    }
}
