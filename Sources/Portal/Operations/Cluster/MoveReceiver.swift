import Cluster
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Tenancy

/// `PUT /internal/cluster/receive/{slug}?move=ID`: the target's side of a move. It takes the snapshot only for a
/// running move of that tenant to this node whose one-time token matches, streams it to disk while hashing it,
/// checks the digest, the archive's signature and checksums and SQLite's integrity check, then puts the folder in
/// place. The registry flip that follows (by the source) is what makes this node serve it.
package struct MoveReceiver: Sendable {
    let membership: ClusterMembership
    let tenants: TenantRegistry
    let archive: TenantArchive
    let dataDirectory: DataDirectory
    let logger: Logger

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.put(ClusterPaths.receive.route, use: receive)
    }

    struct Refusal: Error {
        let status: HTTPResponse.Status
        let message: String
    }

    @Sendable func receive(_ request: Request, context: PortalRequestContext) async throws -> Response {
        do {
            let bytes = try await take(request, context: context)
            return Self.answer(.ok, #"{"received":\#(bytes)}"#)
        } catch let refusal as Refusal {
            logger.warning("snapshot refused", metadata: ["reason": "\(refusal.message)"])
            return Self.answer(
                refusal.status, #"{"error":{"code":"refused","message":"\#(JSONText.escaped(refusal.message))"}}"#)
        }
    }

    private func take(_ request: Request, context: PortalRequestContext) async throws -> Int {
        guard let raw = context.parameters.get("slug"), let slug = try? TenantSlug(validating: raw),
            let moveID = request.uri.queryParameters.get("move").flatMap({ Int64($0) }),
            let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
            let digest = request.headers[HTTPField.Name(ClusterPaths.digestHeader)!]?.lowercased()
        else { throw Refusal(status: .badRequest, message: "a move needs its slug, move id, token and digest") }
        do {
            try await membership.registry.verifyMove(
                moveID, slug: slug, target: membership.settings.node, token: String(authorization.dropFirst(7)))
        } catch {
            throw Refusal(status: .forbidden, message: "\(error)")
        }
        // The sender says how much is coming; it must fit on this disk with room to spare, and no more may come.
        guard let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > 0 else {
            throw Refusal(status: .lengthRequired, message: "a snapshot is sent with its Content-Length")
        }
        let free = Readiness.freeBytes(at: dataDirectory.root.path) ?? 0
        guard Int64(declared) * 3 < free else {
            throw Refusal(
                status: .init(code: 507, reasonPhrase: "Insufficient Storage"),
                message: "not enough free disk for a \(declared)-byte snapshot")
        }
        if let held = tenants.snapshot.tenantID(slug: slug), tenants.holds(held) {
            throw Refusal(status: .conflict, message: "this node holds \(slug) already")
        }

        let work = dataDirectory.root.appendingPathComponent(".receiving", isDirectory: true)
        let file = work.appendingPathComponent("\(slug.rawValue)-\(moveID).tar.gz")
        let staging = work.appendingPathComponent("\(slug.rawValue)-\(moveID)", isDirectory: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: file)
            try? FileManager.default.removeItem(at: staging)
        }
        FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let out = try FileHandle(forWritingTo: file)
        var hasher = SHA256()
        var bytes = 0
        // Disk writes go to the blocking pool a megabyte at a time, never on the request's event loop.
        var pending = Data()
        do {
            for try await buffer in request.body {
                let chunk = Data(buffer: buffer)
                bytes += chunk.count
                guard bytes <= declared else {
                    throw Refusal(status: .contentTooLarge, message: "more bytes came than the snapshot declared")
                }
                hasher.update(data: chunk)
                pending.append(chunk)
                if pending.count >= 1 << 20 {
                    let full = pending
                    pending = Data()
                    try await BlockingIO.run { try out.write(contentsOf: full) }
                }
            }
            let rest = pending
            try await BlockingIO.run {
                try out.write(contentsOf: rest)
                try out.synchronize()
                try out.close()
            }
        } catch {
            try? out.close()
            throw error
        }
        let received = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard received == digest else {
            throw Refusal(status: .unprocessableContent, message: "the snapshot's SHA-256 is not the one announced")
        }

        let (archive, dataDirectory) = (self.archive, self.dataDirectory)
        try await BlockingIO.run {
            let manifest: TenantArchive.Manifest
            do {
                manifest = try archive.unpack(file, into: staging)
            } catch {
                throw Refusal(status: .unprocessableContent, message: "\(error)")
            }
            guard manifest.slug == slug.rawValue else {
                throw Refusal(
                    status: .unprocessableContent, message: "the snapshot is of \(manifest.slug), not \(slug)")
            }
            do {
                try DatabaseFiles.checkIntegrity(of: staging.appendingPathComponent("tenant.sqlite").path)
            } catch {
                throw Refusal(
                    status: .unprocessableContent, message: "the snapshot fails the integrity check: \(error)")
            }
            try DurableFolder.sync(staging)
            // A folder left from an earlier stay of this tenant here is out of date: the snapshot replaces it.
            let folder = dataDirectory.tenantFolder(slug)
            if FileManager.default.fileExists(atPath: folder.path) {
                let stale = work.appendingPathComponent("\(slug.rawValue)-\(moveID)-stale")
                try FileManager.default.moveItem(at: folder, to: stale)
                try? FileManager.default.removeItem(at: stale)
            }
            try FileManager.default.moveItem(at: staging, to: folder)
            try DurableFolder.syncEntries(of: dataDirectory.root)
        }
        logger.info("snapshot received", metadata: ["tenant": "\(slug)", "move": "\(moveID)", "bytes": "\(bytes)"])
        await awaitFlip(of: slug)
        return bytes
    }

    /// The source flips the registry next and then points the proxy here, possibly before this node's copy of the
    /// registry shows the flip: until it does, the brand's requests get 503 with `Retry-After` (not a 421 naming the
    /// old holder), and the copy is refreshed every 50 ms for a few seconds instead of waiting for the follower.
    private func awaitFlip(of slug: TenantSlug) async {
        let (tenants, follower) = (self.tenants, membership.follower)
        // A brand created moments ago may not be in this node's copy yet.
        if tenants.snapshot.tenantID(slug: slug) == nil { try? await follower.sync() }
        guard let tenantID = tenants.snapshot.tenantID(slug: slug) else { return }
        tenants.expectArrival(of: tenantID, within: Self.arrivalLimit)
        // The copy's reload ends the arrival when it shows the brand here.
        Task {
            for _ in 0..<100 where !tenants.holds(tenantID) {
                try? await follower.sync()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// How long a received brand waits for the registry to show it here before a move is taken to have failed.
    static let arrivalLimit: Duration = .seconds(30)

    static func answer(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: .init(string: json)))
    }
}
