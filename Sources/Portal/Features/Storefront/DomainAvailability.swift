import Foundation
import Integrations
import Logging
import Tenancy

/// The registrar's availability search; `TwentyIClient` is the live one, tests use an in-memory one.
package protocol DomainSearching: Sendable {
    func searchDomains(_ query: String) async throws -> [TwentyIDomainResult]
}

extension TwentyIClient: DomainSearching {}

/// What a domain search finds: the name asked for first, then the same name in every other ending the brand sells
/// (at most `maximumNames`), each with its availability when the registrar answered.
package struct DomainAvailability: Sendable {
    package struct Found: Sendable, Equatable {
        package var names: [String]
        /// By name; a name missing here could not be checked.
        package var available: [String: Bool]
        /// The registrar did not answer: prices are shown, availability is checked again at ordering.
        package var unchecked: Bool
    }

    /// At most this many names are asked about per search.
    static let maximumNames = 12

    let registrar: @Sendable (Tenant) async throws -> any DomainSearching
    let logger: Logger

    package func search(label: String, ending: String?, endings: [String], in tenant: Tenant) async -> Found {
        var names = ending.map { ["\(label).\($0)"] } ?? []
        for tld in endings where names.count < Self.maximumNames {
            let name = "\(label).\(tld)"
            if !names.contains(name) { names.append(name) }
        }
        var available: [String: Bool] = [:]
        do {
            for result in try await registrar(tenant).searchDomains(names.joined(separator: ",")) {
                available[result.name] = result.available
            }
        } catch {
            logger.warning(
                "domain search failed",
                metadata: ["tenant": "\(tenant.slug)", "error": "\(TenantUpstreams.describe(error))"])
            return Found(names: names, available: [:], unchecked: true)
        }
        return Found(names: names, available: available, unchecked: false)
    }
}
