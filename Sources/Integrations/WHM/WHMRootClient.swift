import Foundation

/// Root's WHM calls for setting up a brand's reseller, used by onboarding only: tenants never get this client.
package struct WHMRootClient: Sendable {
    let client: WHMClient

    /// `token` must be root's.
    package init(baseURL: String, token: String, caller: UpstreamCaller) {
        client = WHMClient(
            credentials: WHMCredentials(baseURL: baseURL, username: "root", token: token), caller: caller)
    }

    /// Every account with that user name or domain, whoever owns it.
    func accounts(_ search: String, type: String) async throws -> [WHMAccount] {
        let json = try await client.perform(
            "listaccts", [("search", search), ("searchtype", type), ("searchmethod", "exact")], safety: .safe
        )
        return (json["data"]?["acct"]?.elements ?? []).map(WHMAccount.init)
    }

    /// Whether the server has an account called `username`.
    package func accountExists(_ username: String) async throws -> Bool {
        try await accounts(username, type: "user").contains { $0.user == username }
    }

    /// Whether the server hosts `domain` already.
    package func hosts(_ domain: String) async throws -> Bool {
        try await accounts(domain, type: "domain").contains { $0.domain.lowercased() == domain.lowercased() }
    }

    /// createacct owned by root, for a future reseller. After a lost answer an account of that name on that domain
    /// counts as made.
    package func createResellerAccount(username: String, domain: String, contactEmail: String) async throws {
        _ = try await client.perform(
            "createacct",
            [("username", username), ("domain", domain), ("contactemail", contactEmail), ("owner", "root")],
            safety: .lookUpFirst
        ) {
            try await made(username, domain)
                ? .object(["metadata": .object(["result": .number(1), "reason": .string("Account Creation Ok")])]) : nil
        }
    }

    /// setupreseller: gives the account reseller rights; `makeOwner` makes it own itself.
    package func setupReseller(user: String, makeOwner: Bool = true) async throws {
        _ = try await client.perform(
            "setupreseller", [("user", user), ("makeowner", makeOwner ? "1" : "0")], safety: .safe)
    }

    /// setresellernameservers for `user`.
    package func setNameservers(_ nameservers: [String], of user: String) async throws {
        _ = try await client.perform(
            "setresellernameservers", [("user", user), ("nameservers", nameservers.joined(separator: ","))],
            safety: .safe
        )
    }

    /// Removes the account `createResellerAccount` made, and only that: same name, same domain, owned by root or
    /// itself. Nothing to remove (the create never happened) is not an error.
    package func removeIfMade(username: String, domain: String) async throws {
        guard try await made(username, domain) else { return }
        _ = try await client.perform("removeacct", [("username", username), ("keepdns", "0")], safety: .lookUpFirst) {
            try await accountExists(username)
                ? nil : .object(["metadata": .object(["result": .number(1), "reason": .string("removed")])])
        }
    }

    private func made(_ username: String, _ domain: String) async throws -> Bool {
        try await accounts(username, type: "user").contains {
            $0.user == username && $0.domain.lowercased() == domain.lowercased()
                && ($0.owner == "root" || $0.owner == username)
        }
    }
}
