/// The brand's public storefront, on every tenant host.
package enum StorefrontPaths {
    package static let home = RoutePath("/")
    package static let brandLogo = RoutePath("/brand/logo/{file}")
    package static let category = RoutePath("/category/{slug}")
    package static let domainSearch = RoutePath("/domains/search")
    package static let help = RoutePath("/help")
    package static let helpArticle = RoutePath("/help/{slug}")
    package static let order = RoutePath("/order/{slug}")
    package static let orderReview = RoutePath("/order/{slug}/review")
    package static let orderNewCustomer = RoutePath("/order/{slug}/new-customer")
    package static let product = RoutePath("/products/{slug}")
    package static let robots = RoutePath("/robots.txt")
    package static let signup = RoutePath("/signup")
    package static let sitemap = RoutePath("/sitemap.xml")
    package static let theme = RoutePath("/theme.css")
    package static let verifyEmail = RoutePath("/verify-email")
}
