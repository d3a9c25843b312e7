import Foundation
import Integrations
import Logging
import Tenancy

/// The WHM calls hosting packages need; `WHMClient` is the live one, tests use an in-memory one.
package protocol HostingPackages: Sendable {
    /// The reseller whose packages these are.
    var reseller: String { get }
    /// The full name WHM gives the reseller's package `name`.
    func packageName(_ name: String) -> String
    @discardableResult func addPackage(_ spec: WHMPackageSpec) async throws -> String
    func editPackage(_ spec: WHMPackageSpec) async throws
}

extension WHMClient: HostingPackages {}

/// The product API's WHM hosting packages, made and changed under the brand's own reseller; each call is logged
/// and audited with the key's last four characters.
package struct PackageDesk: Sendable {
    let databases: TenantDatabases
    let whm: @Sendable (Tenant) async throws -> any HostingPackages
    let logger: Logger

    package func apply(
        add: Bool, _ packages: [ProductAPIWire.PackagesBody.Package], in tenant: Tenant, key maskedKey: String,
        ip: String
    ) async throws -> Result<APIBatch, APIRefusal> {
        let started = ContinuousClock.now
        let whm: any HostingPackages
        do {
            whm = try await self.whm(tenant)
        } catch {
            return .failure(
                APIRefusal(
                    status: .conflict, code: "not_configured",
                    message: "WHM is not set up for this brand: \(TenantUpstreams.describe(error))"))
        }
        var batch = APIBatch()
        for package in packages {
            let name = (package.name ?? "").trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 48,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else {
                batch.refuse(name, name, "\"name\" must be 1 to 48 letters, digits, _ or -")
                continue
            }
            if let disk = package.diskMB, disk <= 0 {
                batch.refuse(name, name, "\"diskMB\" must be positive, or left out for unlimited")
                continue
            }
            let spec = WHMPackageSpec(name: name, diskMB: package.diskMB, bandwidthMB: package.bandwidthMB)
            do {
                let full = add ? try await whm.addPackage(spec) : whm.packageName(name)
                if !add { try await whm.editPackage(spec) }
                batch.results.append(.init(slug: name, title: full, success: true))
            } catch {
                batch.results.append(
                    .init(
                        slug: name, title: whm.packageName(name), success: false, error: TenantUpstreams.describe(error)
                    ))
                batch.upstreamFailed = true
            }
        }
        let names = packages.compactMap(\.name).joined(separator: ", ")
        let report = batch.report
        let duration = ContinuousClock.now - started
        logger.info(
            "package sync",
            metadata: [
                "tenant": "\(tenant.slug)", "operation": "\(add ? "add" : "update")", "api_key": "***\(maskedKey)",
                "packages": "\(packages.count)", "names": "\(names.prefix(300))", "reseller": "\(whm.reseller)",
                "duration_ms":
                    "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
                "success_count": "\(report.successCount)", "error_count": "\(report.errorCount)",
            ]
        )
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(
                add ? "package.added" : "package.updated", actor: nil, target: names,
                detail: "api key …\(maskedKey)", ip: ip)
        }
        return .success(batch)
    }
}
