import Cluster
import Foundation
import Hummingbird
import Tenancy

/// The console's Nodes page: each node of the cluster with its tenants, open databases, load and heartbeat; the
/// latest moves; a form to move a tenant and one to bring a dead node's tenants back on this node from the backups.
/// Both actions are audited. On a single node the page says so and offers nothing to do.
package struct NodesConsoleController: Sendable {
    let flows: AccountFlows
    let realm: PlatformRealm
    let registry: TenantRegistry
    let cluster: ClusterMembership?
    let backups: TenantBackups
    let dataDirectory: DataDirectory
    /// A node whose heartbeat is older than this shows as not answering.
    static let staleAfter: TimeInterval = 15

    package struct Page: Sendable {
        struct NodeRow: Sendable {
            let name: String
            let address: String
            let tenants: Int
            let openTenants: Int
            let load: String
            let heartbeat: String
            let alive: Bool
            let isThisNode: Bool
        }

        struct MoveRow: Sendable {
            let slug: String
            let from: String
            let to: String
            let state: String
            let failed: Bool
            let detail: String
            let requested: String
        }

        let chrome: StorefrontChrome
        let csrf: String
        var notice: Notice?
        let isCluster: Bool
        let thisNode: String
        let nodes: [NodeRow]
        let targets: [String]
        let deadCandidates: [String]
        let moves: [MoveRow]
        let hasMoves: Bool
        let hasRemote: Bool
        var slugInput = ""
        var slugError: String?
        var targetError: String?
        var recoverError: String?
    }

    package func addRoutes(to group: RouterGroup<PlatformUserContext>) {
        group.get(ConsolePaths.nodes.route, use: show)
        group.post(ConsolePaths.nodesMove.route, use: move)
        group.post(ConsolePaths.nodesRecover.route, use: recover)
    }

    @Sendable func show(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "moving": .success("The move was asked for; the tenant's node carries it out within a second.")
            case "recovering": .success("The recovery started on this node; its outcome is written to the audit log.")
            default: nil
            }
        var page = try await page(context)
        page.notice = notice
        return try flows.page(page, "platform/nodes")
    }

    @Sendable func move(_ request: Request, context: PlatformUserContext) async throws -> Response {
        guard let cluster else { throw PortalError.notFound }
        let form = try await FormData.parse(request)
        let slugInput = form.trimmed("slug").lowercased()
        let target = form.trimmed("to")
        var page = try await page(context)
        page.slugInput = slugInput
        guard let slug = try? TenantSlug(validating: slugInput),
            registry.snapshot.tenantsByID.values.contains(where: { $0.slug == slug })
        else {
            page.slugError = "No brand has this slug."
            return try refused(page)
        }
        guard page.targets.contains(target) else {
            page.targetError = "Choose a node of the cluster."
            return try refused(page)
        }
        do {
            let requested = try await cluster.registry.requestMove(slug: slug, to: target, by: context.account.email)
            try await audit(
                "tenant.move_requested", target: slug.rawValue,
                detail: "from \(requested.source) to \(requested.target) (move \(requested.id))", context)
        } catch let error as ClusterError {
            page.targetError = error.description
            return try refused(page)
        } catch let error as TenancyError {
            page.targetError = error.description
            return try refused(page)
        }
        return flows.redirect(to: ConsolePaths.nodes.link() + "?done=moving")
    }

    @Sendable func recover(_ request: Request, context: PlatformUserContext) async throws -> Response {
        guard let cluster else { throw PortalError.notFound }
        let form = try await FormData.parse(request)
        let dead = form.trimmed("node")
        var page = try await page(context)
        guard let remote = backups.remote else {
            page.recoverError = "This node has no backup remote (--backup-remote): there is nothing to recover from."
            return try refused(page)
        }
        guard page.deadCandidates.contains(dead) else {
            page.recoverError = "Choose a node that has stopped answering; a live node's tenants are moved instead."
            return try refused(page)
        }
        let this = cluster.settings.node
        try await audit("cluster.recovery_started", target: dead, detail: "onto \(this)", context)
        let (registry, backups, dataDirectory, realm) = (cluster.registry, self.backups, self.dataDirectory, self.realm)
        let (actor, ip) = (context.account, context.origin.clientAddress ?? "")
        Task {
            let outcome: String
            do {
                let results = try await ClusterRecovery(
                    registry: registry, backups: backups, remote: remote, dataDirectory: dataDirectory
                ).run(dead: dead, to: this) { _ in }
                try? await cluster.follower.sync()
                outcome = results.map { result in
                    result.failure.map { "\(result.slug): not recovered (\($0))" }
                        ?? "\(result.slug): from \(result.backup ?? "?")"
                        + (result.lost.map { ", up to \(ClusterRecovery.describe($0)) of changes lost" } ?? "")
                }.joined(separator: "; ")
            } catch {
                outcome = "failed: \(error)"
            }
            try? await realm.withAccounts { store in
                try await store.audit(
                    "cluster.recovery_finished", actor: actor, target: dead,
                    detail: outcome.isEmpty ? "no tenants" : outcome,
                    ip: ip)
            }
        }
        return flows.redirect(to: ConsolePaths.nodes.link() + "?done=recovering")
    }

    private func refused(_ page: Page) throws -> Response {
        var page = page
        page.notice = .error("Nothing was changed: see the marked field.")
        return try flows.page(page, "platform/nodes", status: .unprocessableContent)
    }

    private func audit(_ action: String, target: String, detail: String, _ context: PlatformUserContext) async throws {
        try await realm.withAccounts { store in
            try await store.audit(
                action, actor: context.account, target: target, detail: detail,
                ip: context.origin.clientAddress ?? "")
        }
    }

    private func page(_ context: PlatformUserContext) async throws -> Page {
        guard let cluster else {
            return Page(
                chrome: context.chrome, csrf: context.csrfToken, isCluster: false, thisNode: "", nodes: [], targets: [],
                deadCandidates: [], moves: [], hasMoves: false, hasRemote: backups.remote != nil)
        }
        let nodes = try await cluster.registry.nodes()
        let ages = try await cluster.registry.heartbeatAges()
        let moves = try await cluster.registry.recentMoves(limit: 20)
        let snapshot = registry.snapshot
        let rows = nodes.map { node in
            let age = ages[node.name] ?? nil
            let alive = age.map { $0 < Self.staleAfter } ?? false
            return Page.NodeRow(
                name: node.name, address: node.advertise,
                tenants: snapshot.assignments.values.filter { $0 == node.name }.count, openTenants: node.openTenants,
                load: String(format: "%.2f", node.load),
                heartbeat: node.heartbeatAt.map(PageDates.format) ?? "never", alive: alive,
                isThisNode: node.name == cluster.settings.node)
        }
        return Page(
            chrome: context.chrome, csrf: context.csrfToken, isCluster: true, thisNode: cluster.settings.node,
            nodes: rows, targets: rows.filter(\.alive).map(\.name),
            deadCandidates: rows.filter { row in
                !row.alive && !row.isThisNode && row.tenants > 0
                    && ((ages[row.name] ?? nil).map { $0 >= ClusterRecovery.deadAfter } ?? true)
            }.map(\.name),
            moves: moves.map { move in
                Page.MoveRow(
                    slug: move.slug.rawValue, from: move.source, to: move.target, state: move.state.rawValue,
                    failed: move.state == .failed,
                    detail: move.error
                        ?? (move.state == .done
                            ? "\(FileSize.text(move.bytes ?? 0)); requests waited \(move.frozenMilliseconds ?? 0) ms"
                            : move.step),
                    requested: "\(PageDates.format(move.requestedAt)) by \(move.requestedBy)")
            },
            hasMoves: !moves.isEmpty, hasRemote: backups.remote != nil)
    }
}
