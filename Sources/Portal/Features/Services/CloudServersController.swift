import Foundation
import Hummingbird
import Tenancy

/// The customer's cloud servers at 20i, through `CloudServerDesk`; another customer's id is a 404.
package struct CloudServersController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let desk: CloudServerDesk

    package func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(AccountPaths.cloudServers.route, use: cloudServers)
        group.get(AccountPaths.cloudServer.route, use: cloudServer)
        group.post(AccountPaths.cloudServerControlPanel.route, use: controlPanel)
    }

    @Sendable func cloudServers(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let list = try await desk.servers(of: context.account, in: context.tenant)
        return try flows.page(CloudServersPage(list, context: context), "account/cloud-servers")
    }

    @Sendable func cloudServer(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let shown = try await desk.server(try id(context), of: context.account, in: context.tenant)
        let zone = try await databases.timeZone(of: context.tenant)
        return try flows.page(CloudServerPage(shown, zone: zone, context: context), "account/cloud-server")
    }

    @Sendable func controlPanel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let id = try id(context)
        let back = AccountPaths.cloudServer.link(id)
        do {
            let url = try await desk.controlPanel(
                id, of: context.account, in: context.tenant, ip: context.origin.clientAddress ?? "")
            return try flows.page(
                ControlPanelPage(
                    chrome: context.chrome, url: url, backURL: back,
                    serviceName: tr("services.control-panel.your_cloud_server")),
                "account/control-panel")
        } catch {
            let page = try ControlPanelPage.unreachable(
                error, backURL: back, serviceName: tr("services.control-panel.your_cloud_server"),
                opening: tr("services.control-panel.your_panel"), context: context)
            return try flows.page(page, "account/control-panel", status: .serviceUnavailable)
        }
    }

    private func id(_ context: CustomerRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw PortalError.notFound }
        return id
    }
}
