import Hummingbird
import Logging
import Tenancy

/// Puts the signed-in area's frame (menu, sidebar, breadcrumbs) on the page chrome, marked for the request's path.
struct AreaFrameMiddleware<Context: SignedInContext>: RouterMiddleware {
    let frame: @Sendable (_ path: String, _ context: Context) async -> AreaFrame

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.signedIn.chrome.frame = await frame(request.uri.path, context)
        context.signedIn.chrome.csrf = context.csrfToken
        return try await next(request, context)
    }
}

extension AreaFrameMiddleware where Context == StaffRequestContext {
    /// The staff sidebar, with the work waiting in the brand's database; a count that cannot be read shows none
    /// (the page itself still answers).
    static func staff(_ databases: TenantDatabases, logger: Logger) -> Self {
        AreaFrameMiddleware { path, context in
            var counts = AreaFrame.StaffCounts()
            do {
                let read = try await databases.withDatabase(for: context.tenant) { try await $0.reports.workCounts() }
                counts = .init(
                    openTickets: read.openTickets, failedJobs: read.failedJobs, unpaidInvoices: read.unpaidInvoices)
            } catch {
                logger.warning(
                    "staff menu counts could not be read",
                    metadata: ["tenant": "\(context.tenant.slug)", "error": "\(error)"])
            }
            return AreaFrame.staff(path: path, role: context.role, counts: counts)
        }
    }
}
