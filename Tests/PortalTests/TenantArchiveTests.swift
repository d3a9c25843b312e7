import Foundation
import GRDB
import HummingbirdTesting
import Integrations
import Sandbox
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Tenant export and import")
struct TenantArchiveTests {
    /// Pages differ between two requests only by their per-request tokens.
    private static func stable(_ html: String) -> String {
        html.replacing(/name="csrf_token" value="[^"]*"/, with: "csrf")
            .replacing(/content="[A-Za-z0-9_-]{20,}"/, with: "token")
    }

    @Test("export while serving, import on another data folder: same pages, same sign-in, same orders and secrets")
    func roundTrip() async throws {
        let source = try TemporaryFolder()
        let target = try TemporaryFolder()
        let archive = source.path + "/acme.tar.gz"
        let keyFile = source.path + "/master.key"
        let sourcePath = source.path, targetPath = target.path
        try await createTenants([.acme, .globex], in: sourcePath)
        // An uploaded file in the tenant's folder must travel with it.
        let assets = DataDirectory(path: sourcePath).tenantAssetsFolder(try TenantSlug(validating: "acme"))
        try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
        let logo = Data((0..<3000).map { UInt8($0 % 251) })
        try logo.write(to: assets.appendingPathComponent("logo-abc123.png"))

        struct Seen: Sendable { var home = "", orders = "", order: Order?, password: String? }
        let seen = try await withSandbox { sandbox, whmcsURL, whmURL in
            let seen = Mutex(Seen())
            try await withExistingPortal(dataPath: sourcePath, configure: OrderPipelineTests.fast) {
                client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, account) = try await Commerce.customer(client, dependencies, email: "ada@example.com")
                let id = try await Commerce.order(browser, domain: "archive.example")
                let order = try await Commerce.wait(for: id, dependencies, until: .active)
                let home = try await client.get("/", host: "acme.localhost").bodyText
                let orders = try await browser.get("/account/orders").text
                seen.withLock {
                    $0.order = order
                    $0.home = home
                    $0.orders = orders
                }
                let tenant = try dependencies.registryTenant("acme")
                let hosting = try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.upstreams.hostingAccounts(of: account.id)
                }
                let password = try hosting.first?.sealedPassword.map {
                    try dependencies.upstreams.hostingPassword($0, in: tenant)
                }
                seen.withLock { $0.password = password }

                // Exported while the server is running and holds the database open.
                let exported = await CLI(dataPath: sourcePath).run([
                    "tenant", "export", "--slug", "acme", "--out", archive,
                ])
                #expect(exported.exitCode == 0, "\(exported.errorMessage ?? "")")
                #expect(exported.output.contains("snapshotting the database…"))
                #expect(exported.output.contains("Exported acme (Acme Hosting)"))
            }
            return seen.withLock { $0 }
        }
        #expect(seen.password?.isEmpty == false)

        // Without the exporting platform's key the archive is not opened, and nothing is created.
        let keyless = await CLI(dataPath: targetPath).run(["tenant", "import", archive])
        #expect(keyless.exitCode != 0)
        #expect(keyless.errorMessage?.contains("--master-key-file") == true)

        let imported = await CLI(dataPath: targetPath).run(["tenant", "import", archive, "--master-key-file", keyFile])
        #expect(imported.exitCode == 0, "\(imported.errorMessage ?? "")")
        #expect(imported.output.contains("Imported acme (Acme Hosting), active."))
        #expect(imported.output.contains("primary  portal.acme.example"))
        let copied = DataDirectory(path: targetPath).tenantAssetsFolder(try TenantSlug(validating: "acme"))
            .appendingPathComponent("logo-abc123.png")
        #expect(FileManager.default.contents(atPath: copied.path) == logo)

        try await withExistingPortal(dataPath: targetPath, configure: { $0.masterKeyFile = keyFile }) {
            client, dependencies in
            #expect(Self.stable(try await client.get("/", host: "acme.localhost").bodyText) == Self.stable(seen.home))
            #expect(try await client.get("/", host: "portal.acme.example").status == .ok)
            #expect(try await client.get("/", host: "globex.localhost").status == .notFound)

            let browser = TestBrowser(client, host: "acme.localhost")
            let signedIn = try await signIn(browser, email: "ada@example.com")
            #expect(signedIn.status == .seeOther)
            #expect(Self.stable(try await browser.get("/account/orders").text) == Self.stable(seen.orders))
            let tenant = try dependencies.registryTenant("acme")
            let order = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.orders.order(try #require(seen.order?.id))
            }
            #expect(order == seen.order)
            let accountID = try #require(seen.order?.accountID)
            let hosting = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.upstreams.hostingAccounts(of: accountID)
            }
            #expect(
                try hosting.first?.sealedPassword.map { try dependencies.upstreams.hostingPassword($0, in: tenant) }
                    == seen.password)
        }

        // The same archive again: the slug is taken, so it is refused and nothing changes.
        let again = await CLI(dataPath: targetPath).run(["tenant", "import", archive, "--master-key-file", keyFile])
        #expect(again.exitCode != 0)
        #expect(try CLI(dataPath: targetPath).registry().tenants.map(\.slug.rawValue) == ["acme"])
    }

    @Test("a changed, damaged, truncated or foreign-key archive is refused and leaves nothing behind")
    func tamperedArchives() async throws {
        let source = try TemporaryFolder()
        try await createTenants([.acme], in: source.path)
        let dataDirectory = DataDirectory(path: source.path)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let secrets = try SecretBox.loadOrCreate(path: source.path + "/master.key")
        let archive = URL(fileURLWithPath: source.path + "/acme.tar.gz")
        let manifest = try TenantArchive(platform: platform, dataDirectory: dataDirectory, secrets: secrets)
            .export(slug: try TenantSlug(validating: "acme"), to: archive)
        #expect(manifest.files.map(\.path) == ["tenant.sqlite"])
        let original = try Data(contentsOf: archive)

        func importInto(_ file: URL, secrets: SecretBox = secrets) throws -> (any Error)? {
            let target = try TemporaryFolder()
            let targetDirectory = DataDirectory(path: target.path)
            let targetPlatform = try PlatformDatabase(dataDirectory: targetDirectory)
            defer { try? targetPlatform.close() }
            let outcome: (any Error)?
            do {
                _ = try TenantArchive(platform: targetPlatform, dataDirectory: targetDirectory, secrets: secrets)
                    .importTenant(from: file, baseDomain: "localhost")
                outcome = nil
            } catch {
                outcome = error
            }
            if outcome != nil {
                #expect(try targetPlatform.allTenants().isEmpty)
                let left = try FileManager.default.contentsOfDirectory(atPath: target.path).filter {
                    !$0.hasPrefix("platform.sqlite")
                }
                #expect(left.isEmpty, "left behind: \(left)")
            }
            return outcome
        }

        #expect(try importInto(archive) == nil)

        // Entries rewritten with one byte of the database changed and the checksum recomputed, but not re-signed.
        var entries: [(String, Data)] = []
        do {
            let handle = try FileHandle(forReadingFrom: archive)
            var reader = TarReader(gzip: try GzipFileReader(handle: handle))
            while let entry = try reader.nextEntry() {
                var data = Data()
                try reader.copyContents(size: entry.size) { data.append(contentsOf: $0) }
                entries.append((entry.name, data))
            }
            try handle.close()
        }
        func repack(_ entries: [(String, Data)], to name: String) throws -> URL {
            let url = URL(fileURLWithPath: source.path + "/" + name)
            FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            let writer = TarWriter(gzip: try GzipFileWriter(handle: handle))
            for (name, data) in entries { try writer.addFile(named: name, contents: data) }
            try writer.finish()
            try handle.close()
            return url
        }
        var changedDatabase = entries[2].1
        changedDatabase[changedDatabase.count - 100] ^= 0xFF
        var changedManifest = try JSONDecoder.iso8601.decode(TenantArchive.Manifest.self, from: entries[0].1)
        changedManifest.files[0].sha256 = TenantArchive.sha256Hex(changedDatabase)
        let resigned = try repack(
            [
                ("manifest.json", try JSONEncoder.iso8601.encode(changedManifest)), entries[1],
                ("tenant.sqlite", changedDatabase),
            ], to: "resigned.tar.gz"
        )
        #expect(try importInto(resigned) as? TenantArchive.ArchiveError == .tampered)

        // The same change with the manifest left alone fails its checksum.
        let changed = try repack([entries[0], entries[1], ("tenant.sqlite", changedDatabase)], to: "changed.tar.gz")
        #expect(try importInto(changed) as? TenantArchive.ArchiveError == .checksumMismatch("tenant.sqlite"))

        // An extra file the manifest does not list.
        let extra = try repack(entries + [("assets/evil.png", Data([1, 2, 3]))], to: "extra.tar.gz")
        #expect(try importInto(extra) as? TenantArchive.ArchiveError == .unexpectedFile("assets/evil.png"))

        // A flipped byte in the compressed stream, and a cut-off file.
        var flipped = original
        flipped[original.count / 2] ^= 0x55
        let flippedURL = URL(fileURLWithPath: source.path + "/flipped.tar.gz")
        try flipped.write(to: flippedURL)
        #expect(try importInto(flippedURL) != nil)
        let truncatedURL = URL(fileURLWithPath: source.path + "/truncated.tar.gz")
        try original.prefix(original.count * 2 / 3).write(to: truncatedURL)
        #expect(try importInto(truncatedURL) != nil)

        // Another platform's key: refused, naming both keys.
        let other = SecretBox(keyBytes: Array(repeating: 7, count: 32))
        let foreign = try importInto(archive, secrets: other) as? TenantArchive.ArchiveError
        #expect(foreign == .otherKey(archive: secrets.keyID, here: other.keyID))
    }
}

extension JSONDecoder {
    fileprivate static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

extension JSONEncoder {
    fileprivate static var iso8601: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

@Suite("Archive format")
struct ArchiveFormatTests {
    @Test("tar sizes round-trip in octal and, from 8 GiB, in base-256; unsafe names are refused")
    func tarHeaders() throws {
        for size: UInt64 in [0, 1, 511, 512, 8_589_934_591, 8_589_934_592, 50_000_000_000] {
            let header = try TarWriter.header(name: "tenant.sqlite", size: size)
            #expect(header.count == 512)
            #expect(TarReader.size(inHeader: header) == size, "\(size)")
        }
        for name in [
            "../etc/passwd", "/abs", "a//b", "a/./b", "", "name with space", String(repeating: "a", count: 300),
        ] {
            #expect(throws: TarError.self) { _ = try TarWriter.header(name: name, size: 1) }
        }
        // A long name is split into prefix and name, and read back whole with its contents.
        let folder = try TemporaryFolder()
        let file = URL(fileURLWithPath: folder.path + "/long.tar.gz")
        let long = String(repeating: "d/", count: 60) + "file.png"
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let out = try FileHandle(forWritingTo: file)
        let writer = TarWriter(gzip: try GzipFileWriter(handle: out))
        try writer.addFile(named: long, contents: Data("abc".utf8))
        try writer.finish()
        try out.close()
        let input = try FileHandle(forReadingFrom: file)
        defer { try? input.close() }
        var reader = TarReader(gzip: try GzipFileReader(handle: input))
        let entry = try #require(try reader.nextEntry())
        #expect(entry.name == long)
        var contents = Data()
        try reader.copyContents(size: entry.size) { contents.append(contentsOf: $0) }
        #expect(contents == Data("abc".utf8))
        #expect(try reader.nextEntry() == nil)
    }

    @Test("a pending custom domain stays pending (with its token) through export and import")
    func pendingDomainsStayPending() async throws {
        let source = try TemporaryFolder()
        let target = try TemporaryFolder()
        try await createTenants([.acme], in: source.path)
        let sourceDirectory = DataDirectory(path: source.path)
        let platform = try PlatformDatabase(dataDirectory: sourceDirectory)
        defer { try? platform.close() }
        let acme = try #require(try platform.tenant(slug: try TenantSlug(validating: "acme")))
        _ = try await CustomDomains(platform: platform, baseDomain: "localhost").add(
            "unproven.acme-brand.example", to: acme.id, token: "tok-123")
        let secrets = try SecretBox.loadOrCreate(path: source.path + "/master.key")
        let archive = URL(fileURLWithPath: source.path + "/acme.tar.gz")
        try TenantArchive(platform: platform, dataDirectory: sourceDirectory, secrets: secrets).export(
            slug: acme.slug, to: archive)

        let targetDirectory = DataDirectory(path: target.path)
        let targetPlatform = try PlatformDatabase(dataDirectory: targetDirectory)
        defer { try? targetPlatform.close() }
        let imported = try TenantArchive(platform: targetPlatform, dataDirectory: targetDirectory, secrets: secrets)
            .importTenant(from: archive, baseDomain: "localhost")
        let domains = try targetPlatform.domains(of: imported.id)
        let pending = try #require(domains.first { $0.hostname == "unproven.acme-brand.example" })
        #expect(pending.status == .pending)
        #expect(pending.verificationToken == "tok-123")
        #expect(domains.first { $0.hostname == "portal.acme.example" }?.status == .active)
        #expect(
            try targetPlatform.snapshot().tenant(forHost: "unproven.acme-brand.example", baseDomain: "localhost") == nil
        )
    }
}
