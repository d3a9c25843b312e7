import Testing

@testable import Tenancy

/// Two brands must not bind one WHMCS client group or WHM reseller by spelling its server differently.
@Suite("Upstream claim keys")
struct UpstreamClaimKeyTests {
    @Test(
        "every spelling of one server is one key: case, default port, trailing dot, slashes and dot segments",
        arguments: [
            "https://Billing.Example.com.:443/whmcs/./", "https://billing.example.com/whmcs",
            "https://billing.example.com//whmcs//", "https://billing.example.com/x/../whmcs",
            "billing.example.com/whmcs/",
            "http://billing.example.com:80/whmcs",
        ])
    func sameServer(spelling: String) {
        #expect(UpstreamClaim.key(spelling, "7") == UpstreamClaim.key("https://billing.example.com/whmcs", "7"))
    }

    @Test("a different port, host, path or name is another key")
    func differentServers() {
        let base = UpstreamClaim.key("https://server.example.com:2087", "RAcme")
        #expect(base == UpstreamClaim.key("https://SERVER.example.com.:2087/", "racme"))
        #expect(base != UpstreamClaim.key("https://server.example.com", "racme"))
        #expect(base != UpstreamClaim.key("https://server.example.com:2087", "rglobex"))
        #expect(base != UpstreamClaim.key("https://other.example.com:2087", "racme"))
        #expect(
            UpstreamClaim.key("https://billing.example.com/a", "1")
                != UpstreamClaim.key("https://billing.example.com/b", "1"))
    }
}
