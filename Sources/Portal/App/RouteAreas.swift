import Hummingbird
import Logging
import Tenancy

/// The route groups of a tenant host, each with the context its handlers need; features add their routes to the
/// areas they serve.
struct TenantAreas {
    /// Host-independent routes (health, static files): any host, no tenant needed.
    let root: Router<PortalRequestContext>
    /// Storefront pages and APIs: a tenant, no session read.
    let storefront: RouterGroup<TenantRequestContext>
    /// Pages that read the session and check CSRF, signed in or not (sign-in, checkout's first steps).
    let visitor: RouterGroup<TenantRequestContext>
    /// The customer area: a customer of this tenant, fully signed in; upstream failures become the trouble page.
    let customer: RouterGroup<CustomerRequestContext>
    /// The staff area: staff of this tenant, fully signed in with two-factor when the tenant requires it.
    let staff: RouterGroup<StaffRequestContext>
    /// Staff two-factor enrolment, reachable before two-factor is set up.
    let staffEnrollment: RouterGroup<StaffEnrollmentRequestContext>

    /// The session and CSRF checks run only below `visitor`, so storefront pages never read a session. The customer
    /// area's menu and trouble page are one middleware, the session and CSRF checks another: each middleware is an
    /// async frame and a copy of the context on every request.
    init(_ router: Router<PortalRequestContext>, _ dependencies: PortalDependencies, logger: Logger) {
        root = router
        storefront = router.group(context: TenantRequestContext.self)
        visitor = storefront.group()
            .add(
                middleware: SessionMiddleware(
                    realm: { dependencies.tenantRealm($0.tenant) }, services: dependencies.accountServices
                )
            )
        customer = visitor.group(context: CustomerRequestContext.self)
            .add(middleware: CustomerTroubleMiddleware(pages: dependencies.pages, logger: logger))
        staff = visitor.group(context: StaffRequestContext.self)
            .add(middleware: AreaFrameMiddleware.staff(dependencies.databases, logger: logger))
        staffEnrollment = visitor.group(context: StaffEnrollmentRequestContext.self)
    }
}

/// The route groups of the platform console, answered only on the platform host.
struct PlatformAreas {
    /// Sign-in pages: the session and CSRF are read, nobody need be signed in.
    let visitor: RouterGroup<PlatformRequestContext>
    /// Two-factor enrolment, reachable with a password before the second factor exists.
    let enrollment: RouterGroup<PlatformEnrollmentContext>
    /// The console: a platform user with password and second factor.
    let user: RouterGroup<PlatformUserContext>

    init(_ router: Router<PortalRequestContext>, _ dependencies: PortalDependencies) {
        let realm = dependencies.platformRealm
        visitor = router.group(context: PlatformRequestContext.self)
            .add(middleware: SessionMiddleware(realm: { _ in realm }, services: dependencies.accountServices))
        enrollment = visitor.group(context: PlatformEnrollmentContext.self)
        user = visitor.group(context: PlatformUserContext.self)
            .add(middleware: AreaFrameMiddleware { path, _ in .console(path: path) })
    }
}
