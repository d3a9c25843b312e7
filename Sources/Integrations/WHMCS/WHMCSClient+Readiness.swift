/// What a live WHMCS must allow before a brand goes live.
extension WHMCSClient {
    /// Every API action the portal calls. A credential's API role must allow each of them.
    package static let actionsUsed = [
        "AddClient", "GetClientsDetails", "GetClients", "UpdateClient", "GetClientGroups", "AddOrder", "AcceptOrder",
        "GetOrders", "GetProducts", "AddProduct", "GetCurrencies", "GetClientsProducts", "GetClientsDomains",
        "ModuleCreate", "ModuleSuspend", "ModuleUnsuspend", "ModuleTerminate", "GetInvoices", "GetInvoice",
        "AddInvoicePayment", "CreateInvoice", "OpenTicket", "GetTickets", "GetTicket", "AddTicketReply",
        "GetSupportDepartments", "AddCancelRequest", "UpgradeProduct", "UpdateClientProduct", "CreateSsoToken",
    ]

    /// The actions of `actions` the credential's API role refuses. Each is called once with nothing but
    /// `limitnum=1`: WHMCS checks the role before it reads any parameter, so a refused action answers "Invalid
    /// Permissions", and an allowed one fails its own validation (a write without its ids) or reads one row; none
    /// changes anything.
    package func refusedActions(_ actions: [String] = actionsUsed) async throws -> [String] {
        var refused: [String] = []
        for action in actions {
            do {
                _ = try await perform(action, [("limitnum", .scalar("1"))], safety: .safe)
            } catch UpstreamError.authenticationFailed(_, let message) where message.contains("Invalid Permissions") {
                refused.append(action)
            } catch UpstreamError.apiError {
                continue
            }
        }
        return refused
    }
}
