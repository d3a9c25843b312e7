import Logging

/// The customer's dashboard, invoices (and paying them) and billing profile.
enum BillingRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        CustomerBillingController(
            flows: dependencies.accountFlows, databases: dependencies.databases,
            refresher: dependencies.billingRefresher,
            account: BillingAccount(
                databases: dependencies.databases, records: { try await dependencies.upstreams.whmcs(for: $0).client },
                now: dependencies.accountServices.now),
            cards: dependencies.cardPayments, dashboards: RenderedPages(capacity: 4_096),
            documents: InvoiceDocuments(
                renderer: dependencies.pdfRenderer, dataDirectory: dependencies.dataDirectory,
                baseStylesheet: dependencies.configuration.assetsDirectory + "/static/base.css")
        ).addRoutes(to: areas.customer)
        LanguagePreferenceController(flows: dependencies.accountFlows, databases: dependencies.databases)
            .addRoutes(to: areas.customer)
    }
}
