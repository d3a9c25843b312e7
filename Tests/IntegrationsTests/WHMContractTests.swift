import Foundation
import Integrations
import Sandbox
import TestSupport
import Testing

/// Each WHM client function against the simulator, and the simulator against CONTRACTS.md §2.
@Suite("WHM client and simulator")
struct WHMContractTests {
    @Test("a refused token gets HTTP 403 and the client reports refused credentials")
    func authFailure() async throws {
        try await SandboxHarness.with { sandbox in
            let (status, body) = try await sandbox.getWHM(
                "/json-api/listaccts?api.version=1", authorization: "whm reseller:wrong")
            #expect(status == 403)
            #expect(body.contains(#""reason":"Access denied""#) && body.contains(#""result":0"#))
            #expect(try await sandbox.getWHM("/json-api/listaccts?api.version=1", authorization: nil).0 == 403)
            await #expect(throws: UpstreamError.authenticationFailed(.whm, message: "Access denied")) {
                _ = try await sandbox.whm(token: "WRONG").packages()
            }
        }
    }

    @Test("the v1 envelope carries command, version, result and reason; errors stay in HTTP 200")
    func envelope() async throws {
        try await SandboxHarness.with { sandbox in
            let auth = "whm \(sandbox.credentials.whmUser):\(sandbox.credentials.whmToken)"
            var (status, body) = try await sandbox.getWHM("/json-api/listpkgs?api.version=1", authorization: auth)
            #expect(status == 200)
            #expect(
                body.contains(#""command":"listpkgs""#) && body.contains(#""version":1"#)
                    && body.contains(#""reason":"OK""#))
            (status, body) = try await sandbox.getWHM("/json-api/suspendacct?api.version=1", authorization: auth)
            #expect(status == 200)
            #expect(body.contains(#""result":0"#) && body.contains(#"The \"user\" parameter is required."#))
            (status, body) = try await sandbox.getWHM(
                "/json-api/listaccts?api.version=1&searchtype=colour&search=x", authorization: auth)
            #expect(body.contains("Unknown search type."))
        }
    }

    @Test("createacct, listaccts, suspendacct, unsuspendacct, changepackage, listpkgs and removeacct for the reseller")
    func accountLifecycle() async throws {
        try await SandboxHarness.with { sandbox in
            let whm = sandbox.whm()
            let reseller = sandbox.credentials.whmUser
            let packages = try await whm.packages()
            #expect(packages.map(\.name) == ["\(reseller)_pro", "\(reseller)_starter"])
            let created = try await whm.createAccount(
                WHMNewAccount(
                    username: "adasite", domain: "ada.example", plan: "\(reseller)_starter",
                    contactEmail: "ada@example.com")
            )
            #expect(created.ip == "192.0.2.10")
            #expect(created.nameservers == ["ns1.sandbox.invalid", "ns2.sandbox.invalid"])
            var account = try #require(try await whm.account(username: "adasite"))
            #expect(account.owner == reseller)
            #expect(account.domain == "ada.example")
            #expect(!account.suspended)

            try await whm.suspend(username: "adasite", reason: "Unpaid invoice")
            account = try #require(try await whm.account(username: "adasite"))
            #expect(account.suspended)
            #expect(account.suspendReason == "Unpaid invoice")
            try await whm.unsuspend(username: "adasite")
            #expect(try await whm.account(username: "adasite")?.suspended == false)

            try await whm.changePackage(username: "adasite", package: "\(reseller)_pro")
            #expect(try await whm.account(username: "adasite")?.plan == "\(reseller)_pro")
            await #expect(
                throws: UpstreamError.apiError(
                    .whm, action: "createacct", message: "Sorry, a group for that username already exists.")
            ) {
                _ = try await whm.createAccount(
                    WHMNewAccount(username: "adasite", domain: "other.example", plan: "default", contactEmail: ""))
            }
            try await whm.remove(username: "adasite")
            #expect(try await whm.account(username: "adasite") == nil)
            #expect(try await whm.accounts().isEmpty)
        }
    }

    @Test("a reseller sees and touches only its own accounts, and cannot create accounts for another owner")
    func resellerIsolation() async throws {
        try await SandboxHarness.with { sandbox in
            let acme = try await sandbox.sandbox.provisionTenant(slug: "acme", name: "Acme")
            let globex = try await sandbox.sandbox.provisionTenant(slug: "globex", name: "Globex")
            let acmeWHM = sandbox.whm(user: acme.reseller, token: acme.resellerToken)
            let globexWHM = sandbox.whm(user: globex.reseller, token: globex.resellerToken, tenant: "globex")
            _ = try await acmeWHM.createAccount(
                WHMNewAccount(username: "acmeone", domain: "one.acme.example", plan: "default", contactEmail: ""))
            _ = try await globexWHM.createAccount(
                WHMNewAccount(username: "globexone", domain: "one.globex.example", plan: "default", contactEmail: ""))
            #expect(try await acmeWHM.accounts().map(\.user) == ["acmeone"])
            #expect(try await globexWHM.accounts().map(\.user) == ["globexone"])
            await #expect(
                throws: UpstreamError.apiError(
                    .whm, action: "suspendacct", message: "You do not have access to an account named “globexone”.")
            ) {
                try await acmeWHM.suspend(username: "globexone", reason: "x")
            }
            await #expect(
                throws: UpstreamError.apiError(
                    .whm, action: "create_user_session",
                    message: "You do not have permission to create sessions for the user “globexone”.")
            ) {
                _ = try await acmeWHM.createUserSession(username: "globexone")
            }
            // Even a hand-built call naming another owner is refused by WHM.
            let auth = "whm \(acme.reseller):\(acme.resellerToken)"
            let (_, body) = try await sandbox.getWHM(
                "/json-api/createacct?api.version=1&username=sneaky&domain=sneaky.example&owner=\(globex.reseller)",
                authorization: auth
            )
            #expect(body.contains("Without root access, you can only create accounts that you yourself own."))
        }
    }

    @Test("setresellernameservers sets the nameservers new accounts get; an invalid one is refused")
    func nameservers() async throws {
        try await SandboxHarness.with { sandbox in
            let whm = sandbox.whm()
            try await whm.setNameservers(["ns1.acme.example", "ns2.acme.example"])
            let created = try await whm.createAccount(
                WHMNewAccount(username: "nsuser", domain: "ns.example", plan: "default", contactEmail: ""))
            #expect(created.nameservers == ["ns1.acme.example", "ns2.acme.example"])
            await #expect(
                throws: UpstreamError.apiError(
                    .whm, action: "setresellernameservers", message: "A specified nameserver is invalid.")
            ) {
                try await whm.setNameservers(["ns1..bad"])
            }
        }
    }

    @Test("installssl carries the CA bundle as cab; a bundle sent under another name is dropped, as WHM drops it")
    func installCertificateBundle() async throws {
        try await SandboxHarness.with { sandbox in
            let whm = sandbox.whm()
            _ = try await whm.createAccount(
                WHMNewAccount(username: "tlsuser", domain: "tls.example", plan: "default", contactEmail: ""))
            let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
            try await whm.installCertificate(
                domain: "tls.example", account: "tlsuser", certificate: pem,
                key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", caBundle: "BUNDLE")
            let bundle = {
                try await sandbox.sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT cabundle FROM whm_ssl WHERE domain = 'tls.example'")
                }
            }
            #expect(try await bundle() == "BUNDLE")
            let authorization = "whm \(sandbox.credentials.whmUser):\(sandbox.credentials.whmToken)"
            let query =
                "/json-api/installssl?api.version=1&domain=tls.example&crt=\(pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                + "&key=-----BEGIN%20PRIVATE%20KEY-----&cabundle=IGNORED"
            #expect(try await sandbox.getWHM(query, authorization: authorization).0 == 200)
            #expect(try await bundle() == "")
        }
    }

    @Test("create_user_session gives a one-time cPanel link; a suspended account gets none")
    func singleSignOn() async throws {
        try await SandboxHarness.with { sandbox in
            let whm = sandbox.whm()
            _ = try await whm.createAccount(
                WHMNewAccount(username: "ssouser", domain: "sso.example", plan: "default", contactEmail: ""))
            let session = try await whm.createUserSession(username: "ssouser")
            #expect(session.url.contains("/cpsess") && session.url.contains("/login/?session="))
            #expect(session.expires > Int(Date().timeIntervalSince1970))
            #expect(try await sandbox.get(session.url).0 == 200)
            #expect(try await sandbox.get(session.url).0 == 401)
            try await whm.suspend(username: "ssouser", reason: "x")
            await #expect(
                throws: UpstreamError.apiError(
                    .whm, action: "create_user_session",
                    message: "You cannot create a session for the user “ssouser” because they are currently suspended.")
            ) {
                _ = try await whm.createUserSession(username: "ssouser")
            }
        }
    }
}

@Suite("WHM simulator against the contract's examples")
struct WHMExampleTests {
    @Test(
        "createacct answers reason, raw output and nameserver data; GET with query arguments works like the POST form")
    func createAccountShape() async throws {
        try await SandboxHarness.with { sandbox in
            let auth = "whm \(sandbox.credentials.whmUser):\(sandbox.credentials.whmToken)"
            let (status, body) = try await sandbox.getWHM(
                "/json-api/createacct?api.version=1&username=shape&domain=shape.example&plan=default",
                authorization: auth
            )
            #expect(status == 200)
            #expect(body.contains(#""reason":"Account Creation Ok""#))
            #expect(body.contains(#""output":{"raw":"#))
            #expect(
                body.contains(#""nameserver":"ns1.sandbox.invalid""#)
                    && body.contains(#""nameserver2":"ns2.sandbox.invalid""#))
            let (_, list) = try await sandbox.getWHM(
                "/json-api/listaccts?api.version=1&search=nothing&searchtype=user", authorization: auth)
            #expect(list.contains(#""data":{"acct":[]}"#))
            let (_, legacy) = try await sandbox.getWHM("/json-api/listaccts", authorization: auth)
            #expect(legacy.contains("cpanelresult"))
            let (_, account) = try await sandbox.getWHM(
                "/json-api/listaccts?api.version=1&search=shape&searchtype=user", authorization: auth)
            #expect(account.contains(#""suspendreason":null"#))
        }
    }

    @Test("generic paging: api.chunk.size and 1-based api.chunk.start, with metadata.chunk when verbose")
    func chunkPaging() async throws {
        try await SandboxHarness.with { sandbox in
            let whm = sandbox.whm()
            for index in 1...5 {
                _ = try await whm.createAccount(
                    WHMNewAccount(
                        username: "page\(index)", domain: "page\(index).example", plan: "default", contactEmail: ""))
            }
            let auth = "whm \(sandbox.credentials.whmUser):\(sandbox.credentials.whmToken)"
            let (_, body) = try await sandbox.getWHM(
                "/json-api/listaccts?api.version=1&api.chunk.enable=1&api.chunk.size=2&api.chunk.start=3&api.chunk.verbose=1",
                authorization: auth
            )
            let json = try LenientJSON(data: Data(body.utf8))
            #expect(json["data"]?["acct"]?.elements.compactMap { $0["user"]?.string } == ["page3", "page4"])
            #expect(json["metadata"]?["chunk"]?["records"]?.int == 5)
            #expect(json["metadata"]?["chunk"]?["chunks"]?.int == 3)
            #expect(json["metadata"]?["chunk"]?["current"]?.int == 2)
            let (_, last) = try await sandbox.getWHM(
                "/json-api/listaccts?api.version=1&api.chunk.enable=1&api.chunk.size=2&api.chunk.select=3",
                authorization: auth
            )
            #expect(try LenientJSON(data: Data(last.utf8))["data"]?["acct"]?.elements.count == 1)
        }
    }

    @Test(
        "usage: disk from listaccts and this month's bandwidth from showbw, limits from the package; others' accounts unseen"
    )
    func usage() async throws {
        try await SandboxHarness.with { sandbox in
            let whm = sandbox.whm()
            let package = try #require(try await whm.packages().first)
            _ = try await whm.createAccount(
                WHMNewAccount(username: "useuser", domain: "use.example", plan: package.name, contactEmail: ""))
            let fresh = try #require(try await whm.usage(username: "useuser"))
            #expect(fresh.diskUsedMB == 4 && fresh.bandwidthUsedBytes == 0)
            try await sandbox.sandbox.whm.setUsage(of: "useuser", diskMB: 700, bandwidthBytes: 5_000_000)
            let used = try #require(try await whm.usage(username: "useuser"))
            #expect(used.diskUsedMB == 700 && used.bandwidthUsedBytes == 5_000_000)
            #expect(used.diskLimitMB == Double(package.quota).flatMap { $0 == 0 ? nil : $0 })
            #expect(try await whm.usage(username: "nosuchuser") == nil)
        }
    }

    @Test("create_user_session opens the application asked for; an unknown name gets a session linked to nothing")
    func sessionArguments() async throws {
        try await SandboxHarness.with { sandbox in
            let whm = sandbox.whm()
            _ = try await whm.createAccount(
                WHMNewAccount(username: "appuser", domain: "app.example", plan: "default", contactEmail: ""))
            let session = try await whm.createUserSession(username: "appuser", app: "Email_Accounts")
            #expect(session.url.hasPrefix(sandbox.whmURL + "/cpsess"))
            #expect(session.url.hasSuffix("&goto_app=Email_Accounts"))
            // As documented: "an invalid application name, to create the session but not link it to an application".
            let unlinked = try await whm.createUserSession(username: "appuser", app: "x&goto_uri=https://evil.example")
            #expect(!unlinked.url.contains("goto") && !unlinked.url.contains("evil"))
            let opened = try await sandbox.get(unlinked.url)
            #expect(opened.0 == 200 && opened.1.contains("<p>Home</p>"))
        }
    }
}
