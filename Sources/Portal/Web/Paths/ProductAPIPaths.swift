/// The product API that provisioning tools call with an API key.
package enum ProductAPIPaths {
    /// Every API path starts here; errors below it are answered as JSON.
    package static let prefix = "/api/"
    package static let packagesAdd = RoutePath("/api/packages/add")
    package static let packagesUpdate = RoutePath("/api/packages/update")
    package static let productsAdd = RoutePath("/api/products/add")
    package static let productsDelete = RoutePath("/api/products/delete")
    package static let productsUpdate = RoutePath("/api/products/update")
}
