import AsyncHTTPClient
import Cluster
import Crypto
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Tenancy

/// Moves tenants away from this node, as the registry asks (`portal tenant move`, the console):
///
/// 1. the tenant stops taking requests here (503 with `Retry-After: 1`) and its database closes;
/// 2. a consistent snapshot is taken (the signed tenant archive: `VACUUM INTO` plus its files, checksummed);
/// 3. it is streamed to the target node, shown the move's one-time token;
/// 4. the target checks the archive's checksum, signature and SQLite integrity, and puts the folder in place;
/// 5. the registry flips the assignment (only if this node still holds it) and every node's copy follows;
/// 6. this node keeps its copy aside for `grace`, then deletes it.
///
/// Any failure before the flip leaves the tenant here, serving again.
package final class TenantMover: Service, Sendable {
    let membership: ClusterMembership
    let databases: TenantDatabases
    let tenants: TenantRegistry
    let archive: TenantArchive
    let dataDirectory: DataDirectory
    /// How long a moved tenant still answers 503 here (not 421) while the proxy's map follows the registry.
    let handoff: Duration
    /// How long a moved tenant's old folder is kept before it is deleted.
    let grace: Duration
    /// How long a move waits for the brand's requests and jobs to let go of its database before it gives up.
    let freezeLimit: Duration
    /// Called after the flip, before requests here stop getting 503: the proxy's map is brought up to date.
    let afterFlip: @Sendable (Tenant.ID) async -> Void
    let logger: Logger

    package init(
        membership: ClusterMembership, databases: TenantDatabases, tenants: TenantRegistry, archive: TenantArchive,
        dataDirectory: DataDirectory, handoff: Duration = .seconds(3), grace: Duration = .seconds(600),
        freezeLimit: Duration = .seconds(30),
        afterFlip: @escaping @Sendable (Tenant.ID) async -> Void = { _ in }, logger: Logger
    ) {
        self.membership = membership
        self.databases = databases
        self.tenants = tenants
        self.archive = archive
        self.dataDirectory = dataDirectory
        self.handoff = handoff
        self.grace = grace
        self.freezeLimit = freezeLimit
        self.afterFlip = afterFlip
        self.logger = logger
        // A brand this node held that is removed from the registry (from any node): its folder goes aside here,
        // deleted after the grace period like a moved brand's.
        let node = membership.settings.node
        tenants.onChange { [weak self] old, new in
            for (id, tenant) in old.tenantsByID where new.tenantsByID[id] == nil && old.assignments[id] == node {
                await self?.setAside(tenant.slug, reason: "removed", tag: String(id.rawValue))
            }
        }
    }

    var registry: PostgresRegistry { membership.registry }
    var node: String { membership.settings.node }

    /// Takes up the moves asked of this node, one at a time: at each notification on `portal_moves`, and every
    /// second in case one was missed.
    package func run() async throws {
        // Moves this node was carrying out when it stopped can never finish: they are failed, so the brand can move
        // again (their brands were frozen in memory only; they serve again from their untouched folders).
        await failInterruptedMoves()
        let swept = (try? await BlockingIO.run { self.sweepSetAside() }) ?? 0
        if swept > 0 { logger.info("old set-aside tenant folders deleted", metadata: ["count": "\(swept)"]) }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                group.addTask {
                    await self.registry.listen(on: PostgresRegistry.movesChannel) { _ in wake.yield() }
                }
                group.addTask {
                    while !Task.isCancelled {
                        wake.yield()
                        do { try await Task.sleep(for: .seconds(1)) } catch { break }
                    }
                    wake.finish()
                }
                for await _ in wakes {
                    do {
                        for move in try await self.registry.requestedMoves(from: self.node) {
                            await self.perform(move)
                        }
                    } catch is CancellationError {
                        break
                    } catch {
                        self.logger.warning("moves could not be read", metadata: ["error": "\(error)"])
                    }
                }
                group.cancelAll()
            }
        }
    }

    private func failInterruptedMoves() async {
        for attempt in 0..<50 {
            do {
                try await membership.waitUntilJoined()
                try await registry.failRunningMoves(from: node, reason: "\(node) stopped during the move")
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(200 * min(attempt + 1, 25)))
            }
        }
    }

    /// Carries out one move; its outcome is recorded on the move.
    package func perform(_ move: TenantMove) async {
        let token: String
        do {
            token = try await registry.startMove(move.id, source: node)
        } catch {
            // Another node holds the tenant by now (or the move was taken up): it can never go ahead from here.
            logger.warning("move not started", metadata: ["move": "\(move.id)", "error": "\(error)"])
            try? await registry.failMove(move.id, error: "not started by \(node): \(error)")
            return
        }
        let snapshot = tenants.snapshot
        guard let tenant = snapshot.tenantsByID[move.tenantID], let target = snapshot.nodes[move.target] else {
            try? await registry.failMove(move.id, error: "the tenant or the target node is not in this node's registry")
            return
        }
        let log = logger.with(["move": "\(move.id)", "tenant": "\(tenant.slug)", "target": "\(target.name)"])
        let work = dataDirectory.root.appendingPathComponent(".moves", isDirectory: true)
        let archiveURL = work.appendingPathComponent("\(tenant.slug.rawValue)-\(move.id).tar.gz")
        defer { try? FileManager.default.removeItem(at: archiveURL) }

        await step(move, "stopping requests and closing the database")
        let frozenAt = ContinuousClock.now
        guard await databases.freeze(tenant.id, move: move.id, within: freezeLimit) else {
            databases.thaw(tenant.id, move: move.id)
            try? await registry.failMove(
                move.id, error: "the brand's database was still in use after \(freezeLimit); nothing was moved")
            return
        }
        var flipped = false
        do {
            await step(move, "taking a snapshot")
            let (archive, slug) = (self.archive, tenant.slug)
            let (bytes, digest) = try await BlockingIO.run {
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                try archive.export(slug: slug, to: archiveURL)
                return (Int(FileSize.bytes(at: archiveURL.path)), try Self.sha256(of: archiveURL))
            }
            await step(move, "sending \(bytes) bytes to \(target.name)")
            try await send(archiveURL, bytes: bytes, digest: digest, move: move, slug: slug, token: token, to: target)

            await step(move, "switching the tenant to \(target.name)")
            let frozen = Int((ContinuousClock.now - frozenAt) / .milliseconds(1))
            do {
                try await registry.completeMove(move.id, bytes: Int64(bytes), frozenMilliseconds: frozen)
                flipped = true
            } catch {
                // The commit may have happened with only its answer lost: the registry says what is true.
                flipped = try await flippedAfterAll(tenant.id, to: target.name)
                if !flipped { throw error }
            }
        } catch {
            // Nothing flipped: the tenant serves here again, from its untouched folder.
            databases.thaw(tenant.id, move: move.id)
            log.error("move failed", metadata: ["error": "\(error)"])
            try? await registry.failMove(move.id, error: Self.describe(error))
            return
        }
        // Flipped. Requests stay at 503 here until this node's copy shows the new holder (then they get 421 and
        // nothing opens the old folder), and the proxy has been told.
        await waitUntilCopyShows(tenant.id, on: target.name)
        await afterFlip(tenant.id)
        await setAside(tenant.slug, reason: "moved", tag: String(move.id))
        log.info("tenant moved")
        let (handoff, databases, id, moveID) = (self.handoff, self.databases, tenant.id, move.id)
        Task {
            try? await Task.sleep(for: handoff)
            databases.thaw(id, move: moveID)
        }
    }

    /// Whether the tenant is assigned to `target` in the registry itself, asked until PostgreSQL answers (a few
    /// tries); false when it is still here.
    private func flippedAfterAll(_ tenant: Tenant.ID, to target: String) async throws -> Bool {
        var lastError: (any Error)?
        for attempt in 0..<20 {
            do {
                return try await registry.assignment(of: tenant) == target
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100 * (attempt + 1)))
            }
        }
        throw lastError ?? ClusterError.moveNotStartable(0)
    }

    /// Copies the registry until this node's copy shows the tenant on `target` (a bounded number of tries; the
    /// follower goes on afterwards).
    private func waitUntilCopyShows(_ tenant: Tenant.ID, on target: String) async {
        for _ in 0..<200 {
            try? await membership.follower.sync()
            if tenants.snapshot.assignments[tenant] == target { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        logger.warning("this node's registry copy has not caught up with a move", metadata: ["tenant": "\(tenant)"])
    }

    private func step(_ move: TenantMove, _ text: String) async {
        try? await registry.recordStep(move.id, text)
    }

    /// Streams the archive to the target's receiving route, with the move's token and the archive's digest.
    private func send(
        _ archive: URL, bytes: Int, digest: String, move: TenantMove, slug: TenantSlug, token: String,
        to target: ClusterNode
    ) async throws {
        var request = HTTPClientRequest(
            url: target.advertise + ClusterPaths.receive.link(slug.rawValue) + "?move=\(move.id)")
        request.method = .PUT
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/gzip")
        request.headers.add(name: ClusterPaths.digestHeader, value: digest)
        request.body = .stream(FileChunks(url: archive), length: .known(Int64(bytes)))
        let response = try await HTTPClient.shared.execute(request, timeout: .minutes(30))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard response.status == .ok else {
            throw MoveFailure(
                description: "\(target.name) refused the snapshot (\(response.status.code)): \(String(buffer: body))")
        }
    }

    /// The folders where moved and removed brands' old data waits for the grace period.
    static let setAsideFolders = [".moved", ".removed"]

    /// Moves the old folder out of the data folder's namespace at once, and deletes it after the grace period
    /// (or, after a restart, at the next start past it: the folder's name says when it was set aside).
    func setAside(_ slug: TenantSlug, reason: String, tag: String) async {
        let folder = dataDirectory.tenantFolder(slug)
        let since = Int(Date().timeIntervalSince1970)
        let aside = dataDirectory.root.appendingPathComponent(".\(reason)", isDirectory: true)
            .appendingPathComponent("\(slug.rawValue)-\(tag)-\(since)")
        do {
            let present = try await BlockingIO.run {
                guard FileManager.default.fileExists(atPath: folder.path) else { return false }
                try FileManager.default.createDirectory(
                    at: aside.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.moveItem(at: folder, to: aside)
                return true
            }
            guard present else { return }
        } catch {
            logger.warning(
                "\(reason) tenant's folder not set aside", metadata: ["tenant": "\(slug)", "error": "\(error)"])
            return
        }
        logger.info("\(reason) tenant's folder set aside", metadata: ["tenant": "\(slug)", "folder": "\(aside.path)"])
        let grace = self.grace
        Task {
            try? await Task.sleep(for: grace)
            try? FileManager.default.removeItem(at: aside)
        }
    }

    /// Deletes set-aside folders whose grace period ended while the node was down; returns how many.
    @discardableResult
    package func sweepSetAside(now: Date = Date()) -> Int {
        var removed = 0
        let seconds = Double(grace.components.seconds)
        for name in Self.setAsideFolders {
            let parent = dataDirectory.root.appendingPathComponent(name, isDirectory: true)
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
            for entry in entries {
                // `<slug>-<tag>-<unix time>`; a name without a plausible time (an older layout) is left alone.
                let parts = entry.split(separator: "-")
                guard parts.count >= 3, let since = parts.last.flatMap({ Double($0) }), since > 1_500_000_000,
                    now.timeIntervalSince1970 - since >= seconds
                else { continue }
                if (try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))) != nil {
                    removed += 1
                }
            }
        }
        return removed
    }

    static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func describe(_ error: any Error) -> String {
        String(describing: error)
    }
}

struct MoveFailure: Error, CustomStringConvertible {
    let description: String
}

/// A file read in 1 MiB chunks, for a streamed request body.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let url: URL

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?

        mutating func next() async throws -> ByteBuffer? {
            guard let handle else { return nil }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty {
                try? handle.close()
                return nil
            }
            return ByteBuffer(bytes: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: try? FileHandle(forReadingFrom: url))
    }
}

extension Logger {
    func with(_ metadata: Logger.Metadata) -> Logger {
        var logger = self
        for (key, value) in metadata { logger[metadataKey: key] = value }
        return logger
    }
}
