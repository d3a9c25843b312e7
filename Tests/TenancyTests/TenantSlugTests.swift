import Testing

@testable import Tenancy

@Suite("Tenant slugs")
struct TenantSlugTests {
    @Test(
        "valid slugs are accepted",
        arguments: ["ab", "acme", "acme-hosting", "a1-b2-c3", "x9", String(repeating: "a", count: 63)])
    func validSlugs(slug: String) throws {
        #expect(try TenantSlug(validating: slug).rawValue == slug)
    }

    @Test(
        "malformed slugs are refused",
        arguments: [
            "", "a", "-acme", "acme-", "ac--me", "Acme", "acme_hosting", "acme.hosting", "ácme", "acme hosting",
            "../etc", String(repeating: "a", count: 64),
        ]
    )
    func malformedSlugs(slug: String) {
        #expect(throws: TenancyError.invalidSlug(slug)) { try TenantSlug(validating: slug) }
    }

    @Test(
        "reserved names are refused",
        arguments: ["www", "admin", "api", "platform", "static", "assets", "mail", "health", "internal"])
    func reservedSlugs(slug: String) {
        #expect(throws: TenancyError.reservedSlug(slug)) { try TenantSlug(validating: slug) }
    }
}
