import Branding
import Foundation
import Integrations
import Tenancy

extension OrderSteps {
    // MARK: Certificates

    /// Orders the certificate with a fresh key, puts the validation proof where the portal can (the cPanel account
    /// hosting the domain, or the zone of a domain registered here), waits for the CA, then installs the certificate
    /// on that cPanel account or keeps it for download.
    func provisionCertificate(
        _ job: OrderJob, _ order: Order, _ account: Account, _ tenant: Tenant, renewing: SSLCertificate? = nil
    ) async throws -> Outcome {
        let sslStore = try await upstreams.sslStore(for: tenant)
        let domain = order.domain.lowercased()
        var certificate = try await databases.withDatabase(for: tenant) {
            try await $0.provisioned.certificate(order: order.id!)
        }
        let (hosting, registered) = try await places(for: domain, of: account.id, in: tenant)
        if certificate == nil {
            guard
                let entry = try await databases.withDatabase(
                    for: tenant, { try await $0.catalogue.entry(id: order.productID) })
            else {
                throw OrderProblem("the ordered certificate product no longer exists")
            }
            let wildcard = entry.product.sslType == .wildcard
            let commonName = wildcard ? "*.\(domain)" : domain
            let request = try CertificateRequest.make(
                commonName: commonName, alternativeNames: wildcard ? [domain] : ["www.\(domain)"])
            // A wildcard is proven by DNS only; otherwise a file on the hosting here, else DNS.
            let validation: SSLCertificate.Validation = hosting != nil && !wildcard ? .file : .dns
            certificate = try await databases.withDatabase(for: tenant) { database in
                try await database.provisioned.record(
                    SSLCertificate(
                        accountID: account.id, orderID: order.id, domain: commonName,
                        productCode: Self.sslProductCode(entry.product),
                        months: max(12, order.cycle?.months ?? renewing?.months ?? 12),
                        customID: "\(tenant.slug)-\(order.number)",
                        validation: validation,
                        privateKeySealed: try upstreams.seal(
                            request.privateKeyPEM, tenant, TenantUpstreams.certificateKeyField),
                        csr: request.csrPEM, now: now()
                    )
                )
            }
        }
        guard var certificate else { throw OrderProblem("the certificate could not be recorded") }
        // 1. The order at TheSSLStore, found again by the portal's own id after a lost answer.
        var upstream = try await sslStore.order(customID: certificate.customID)
        if upstream == nil {
            // The certificate authority writes to the order's contacts in its own name, so they are the brand's
            // support address, never the customer's: the customer hears from the brand ("certificate issued").
            let realm = realm(tenant)
            let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
            let brandContact = look.replyTo.isEmpty ? look.sender.address : look.replyTo
            upstream = try await sslStore.newOrder(
                product: certificate.productCode, months: certificate.months, csr: certificate.csr,
                domain: certificate.domain,
                validation: certificate.validation == .file ? .httpFile : .dns, customID: certificate.customID,
                contactEmail: brandContact,
                contactName: (look.sender.name.isEmpty ? realm.displayName : look.sender.name, "Support"),
                isRenewal: renewing != nil
            )
            crashPoint(.provision)
        }
        guard var upstream else { throw OrderProblem("TheSSLStore did not return the order") }
        if certificate.upstreamID.isEmpty {
            let placed = upstream
            try await databases.withDatabase(for: tenant) { database in
                try await database.provisioned.updateCertificate(certificate.id!, now: now()) { stored in
                    stored.upstreamID = placed.id
                    stored.authFileName = placed.authFileName
                    stored.authFileContent = placed.authFileContent
                    stored.cnameName = placed.cnameName
                    stored.cnameValue = placed.cnameValue
                }
            }
            certificate.upstreamID = placed.id
            (certificate.authFileName, certificate.authFileContent) = (placed.authFileName, placed.authFileContent)
            (certificate.cnameName, certificate.cnameValue) = (placed.cnameName, placed.cnameValue)
        }
        // 2. The proof, where the portal can put it; saving it again is harmless.
        if !upstream.isActive, certificate.proofPlacedBy.isEmpty {
            let placedBy = try await placeProof(certificate, hosting: hosting, registered: registered, tenant: tenant)
            if !placedBy.isEmpty {
                try await databases.withDatabase(for: tenant) { database in
                    try await database.provisioned.updateCertificate(certificate.id!, now: now()) {
                        $0.proofPlacedBy = placedBy
                    }
                }
                upstream = try await sslStore.order(id: upstream.id)
            }
        }
        // 3. Waiting for the CA: less often the longer it takes, given up after 30 days.
        guard upstream.isActive else {
            let waited = now().timeIntervalSince(job.createdAt)
            guard waited < 30 * 86_400 else {
                throw OrderProblem("the domain validation of \(certificate.domain) did not complete within 30 days")
            }
            let next = min(policy.paymentPollMaximum, max(policy.paymentPollMinimum, waited / 4))
            return .waiting(
                "waiting for the domain validation of \(certificate.domain)", retryAt: now().addingTimeInterval(next))
        }
        // 4. Issued: checked against the key, installed where the domain is hosted here, stored.
        let mail = try await install(
            certificate, upstreamID: upstream.id, hosting: hosting, account: account, tenant: tenant, renewing: renewing
        )
        try await refreshQuietly(account.id, tenant)
        try await finishWithMail(job, tenant, mail)
        return .finished
    }

    /// The customer's cPanel account on the certificate's domain (where the proof and the certificate go), and the
    /// domain when it is registered here (where a CNAME proof goes).
    func places(for certificateDomain: String, of account: Account.ID, in tenant: Tenant) async throws -> (
        HostingAccountRecord?, RegisteredDomain?
    ) {
        let domain = certificateDomain.lowercased().replacingOccurrences(of: "*.", with: "")
        return try await databases.withDatabase(for: tenant) { database in
            (
                try await database.upstreams.hostingAccounts(of: account).first {
                    !$0.isPending && $0.domain.lowercased() == domain
                },
                try await database.provisioned.domain(named: domain, of: account)
            )
        }
    }

    /// Downloads an issued certificate, refuses it unless it is for the stored key, installs it on the cPanel account
    /// when there is one, stores it (marking the certificate it renews as replaced) and returns the "issued" email.
    func install(
        _ certificate: SSLCertificate, upstreamID: String, hosting: HostingAccountRecord?, account: Account,
        tenant: Tenant, renewing: SSLCertificate?
    ) async throws -> OutgoingMail {
        let files = try await upstreams.sslStore(for: tenant).download(id: upstreamID)
        guard let pem = files.first(where: { !$0.name.lowercased().contains("ca-bundle") })?.content else {
            throw OrderProblem("TheSSLStore sent no certificate for order \(upstreamID)")
        }
        let bundle = files.filter { $0.name.lowercased().contains("ca-bundle") }.map(\.content).joined()
        let key = try upstreams.open(certificate.privateKeySealed, tenant, TenantUpstreams.certificateKeyField)
        let issued = try IssuedCertificate.read(pem, privateKeyPEM: key)
        if let hosting {
            try await upstreams.whm(for: tenant).installCertificate(
                domain: hosting.domain.lowercased(), account: hosting.username, certificate: pem, key: key,
                caBundle: bundle
            )
        }
        let installedOn = hosting?.username ?? ""
        let zone = try await databases.withDatabase(for: tenant) { database in
            try await database.provisioned.updateCertificate(certificate.id!, now: now()) { stored in
                stored.status = .issued
                stored.certificate = pem
                stored.caBundle = bundle
                stored.installedOn = installedOn
                stored.startsAt = issued.notValidBefore
                stored.expiresAt = issued.notValidAfter
            }
            if let renewing {
                try await database.provisioned.updateCertificate(renewing.id!, now: now()) { $0.status = .renewed }
            }
            return try await TenantMailSettings.load(from: database.accounts).zone
        }
        let realm = realm(tenant)
        return try await flows.prepareMail(
            realm: realm, to: account.email, name: account.name, .certificateIssued,
            variables: [
                "certificate.domain": certificate.domain,
                "certificate.expires": ReminderScheduler.long(issued.notValidAfter, zone),
                "link": flows.services.link(
                    primaryHost: realm.linkHost, path: AccountPaths.certificate.link(certificate.id!.rawValue)),
            ],
            tag: "certificate_issued"
        )
    }

    // MARK: Reissue

    /// Reissues an issued certificate with a new key: the old one keeps working (and stays installed) until the new
    /// one is issued, which `settle` then installs in its place.
    func reissue(_ certificate: SSLCertificate, account: Account, tenant: Tenant) async throws {
        guard certificate.status == .issued, !certificate.upstreamID.isEmpty else {
            throw OrderProblem("only an issued certificate can be reissued")
        }
        let (hosting, registered) = try await places(for: certificate.domain, of: account.id, in: tenant)
        let wildcard = certificate.domain.hasPrefix("*.")
        let bare = certificate.domain.replacingOccurrences(of: "*.", with: "")
        let request = try CertificateRequest.make(
            commonName: certificate.domain, alternativeNames: wildcard ? [bare] : ["www.\(bare)"])
        let validation: SSLCertificate.Validation = hosting != nil && !wildcard ? .file : .dns
        let upstream = try await upstreams.sslStore(for: tenant).reissue(
            id: certificate.upstreamID, csr: request.csrPEM, validation: validation == .file ? .httpFile : .dns
        )
        let sealed = try upstreams.seal(request.privateKeyPEM, tenant, TenantUpstreams.certificateKeyField)
        var pending = certificate
        pending.status = .pendingValidation
        pending.privateKeySealed = sealed
        pending.csr = request.csrPEM
        pending.validation = validation
        (pending.authFileName, pending.authFileContent) = (upstream.authFileName, upstream.authFileContent)
        (pending.cnameName, pending.cnameValue) = (upstream.cnameName, upstream.cnameValue)
        pending.proofPlacedBy = try await placeProof(pending, hosting: hosting, registered: registered, tenant: tenant)
        let stored = pending
        try await databases.withDatabase(for: tenant) { database in
            try await database.provisioned.updateCertificate(certificate.id!, now: now()) { $0 = stored }
            try await database.accounts.audit(
                "certificate.reissued", actor: account, target: certificate.domain, ip: "")
        }
    }

    /// A reissued certificate waiting for its validation (no order carries it): installed and mailed once issued.
    /// Returns whether it was issued now.
    @discardableResult
    func settle(_ certificate: SSLCertificate, account: Account, tenant: Tenant) async throws -> Bool {
        guard certificate.status == .pendingValidation, !certificate.upstreamID.isEmpty else { return false }
        if let orderID = certificate.orderID,
            let order = try await databases.withDatabase(for: tenant, { try await $0.orders.order(orderID) }),
            order.status.isSettling
        {
            return false  // the pipeline is carrying it
        }
        guard try await upstreams.sslStore(for: tenant).order(id: certificate.upstreamID).isActive else { return false }
        let (hosting, _) = try await places(for: certificate.domain, of: account.id, in: tenant)
        let mail = try await install(
            certificate, upstreamID: certificate.upstreamID, hosting: hosting, account: account, tenant: tenant,
            renewing: nil)
        let realm = realm(tenant)
        try await flows.mailQueue.willQueue(realm.mailbox)
        try await databases.withDatabase(for: tenant) { try await $0.accounts.enqueueMail(mail, now: now()) }
        flows.mailQueue.notify(realm.mailbox)
        return true
    }

    /// Saves the validation file on the cPanel account hosting the domain, or adds the CNAME to the zone of a domain
    /// registered here; answers who placed it, or "" when the customer has to.
    func placeProof(
        _ certificate: SSLCertificate, hosting: HostingAccountRecord?, registered: RegisteredDomain?, tenant: Tenant
    ) async throws -> String {
        switch certificate.validation {
        case .file:
            guard let hosting, !certificate.authFileName.isEmpty else { return "" }
            let whm = try await upstreams.whm(for: tenant)
            try await whm.saveFile(
                account: hosting.username, directory: "public_html/.well-known/pki-validation",
                name: certificate.authFileName,
                content: certificate.authFileContent
            )
            return "cPanel"
        case .dns:
            guard let registered, !certificate.cnameName.isEmpty,
                (try? await upstreams.settings(of: tenant).twentyIConfigured) == true
            else { return "" }
            let host = Self.relativeHost(certificate.cnameName, zone: registered.name)
            let twentyI = try await upstreams.twentyI(for: tenant)
            let existing = try await twentyI.dnsRecords(domain: registered.name)
            if !existing.contains(where: {
                $0.type == "CNAME" && $0.host.lowercased() == host
                    && $0.value.lowercased() == certificate.cnameValue.lowercased()
            }) {
                guard
                    case .success(let record) = DNSRecord.validate(
                        .init(kind: "CNAME", host: host, value: certificate.cnameValue))
                else {
                    throw OrderProblem("TheSSLStore's validation record \(certificate.cnameName) is not a valid CNAME")
                }
                try await twentyI.updateDNS(domain: registered.name, add: [record], delete: [])
            }
            return "DNS"
        }
    }

    /// `_abc.example.com` in zone `example.com` → `_abc`.
    static func relativeHost(_ name: String, zone: String) -> String {
        let name = name.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return name.hasSuffix("." + zone) ? String(name.dropLast(zone.count + 1)) : name
    }

    /// TheSSLStore's product code: the one the reseller set, else PositiveSSL of the product's type.
    static func sslProductCode(_ product: Product) -> String {
        if let code = product.sslProductCode, !code.isEmpty { return code }
        switch product.sslType {
        case .wildcard: return "positivesslwildcard"
        case .multi: return "positivesslmdc"
        default: return "positivessl"
        }
    }
}
