import Synchronization
import Tenancy

/// The rendered figures and charts of `/admin`, per brand, reused while the figures are the same.
///
/// The fragment is a function of the figures and the currency alone, and the cache compares both before reusing
/// it, so it can never show older figures than the ones just read (those are kept until the brand's next commit by
/// `ReportStore.figures`). Rendering the charts and tables was most of the page's cost.
final class StaffDashboardFragments: Sendable {
    private struct Entry {
        let figures: BackOfficeFigures
        let currency: String
        let html: String
    }

    private let pages: PageRenderer
    private let cache: Mutex<BoundedCache<Tenant.ID, Entry>>

    init(pages: PageRenderer, capacity: Int = 256) {
        self.pages = pages
        cache = Mutex(BoundedCache(capacity: capacity))
    }

    /// The fragment for these figures: from memory when they are the ones last rendered for this brand.
    func html(for tenant: Tenant.ID, figures: BackOfficeFigures, currency: String) throws -> String {
        if let entry = cache.withLock({ $0.value(for: tenant) }), entry.currency == currency, entry.figures == figures {
            return entry.html
        }
        let html = try pages.render(StaffDashboard(figures, currency: currency), template: "admin/dashboard")
        cache.withLock { $0.insert(Entry(figures: figures, currency: currency, html: html), for: tenant) }
        return html
    }
}
