/// Clients and client groups.
extension WHMCSClient {
    /// AddClient in the given group. A lost answer is checked by email before another attempt, and only a client
    /// in the same group with the same notes counts as ours, so a retry never creates a second client nor adopts
    /// someone else's.
    package func addClient(_ client: WHMCSNewClient) async throws -> Int {
        var fields: [(String, PHPFormValue)] = [
            ("firstname", .scalar(client.firstName)), ("lastname", .scalar(client.lastName)),
            ("email", .scalar(client.email)), ("address1", .scalar(client.address1)), ("city", .scalar(client.city)),
            ("state", .scalar(client.state)), ("postcode", .scalar(client.postcode)),
            ("country", .scalar(client.country)), ("phonenumber", .scalar(client.phoneNumber)),
            ("groupid", .scalar(String(client.groupID))),
        ]
        if !client.companyName.isEmpty { fields.append(("companyname", .scalar(client.companyName))) }
        if !client.taxID.isEmpty { fields.append(("tax_id", .scalar(client.taxID))) }
        if let password = client.password { fields.append(("password2", .scalar(password))) }
        if !client.customFields.isEmpty {
            fields.append(("customfields", .scalar(client.customFields.phpSerializedBase64)))
        }
        // WHMCS sends no welcome email; the portal sends its own, branded.
        fields.append(("noemail", .flag(true)))
        if !client.notes.isEmpty { fields.append(("notes", .scalar(client.notes))) }
        if let currency = client.currencyID { fields.append(("currency", .scalar(String(currency)))) }
        let email = client.email
        let group = client.groupID
        let notes = client.notes
        let json = try await perform("AddClient", fields, safety: .lookUpFirst) {
            guard let existing = try await self.clientDetails(email: email), existing.groupID == group,
                existing.notes == notes
            else { return nil }
            return .object(["result": .string("success"), "clientid": .string(String(existing.id))])
        }
        return try Self.int(json, "clientid", action: "AddClient")
    }

    /// GetClientsDetails by id; nil when WHMCS has no such client.
    package func clientDetails(id: Int) async throws -> WHMCSClientDetails? {
        try await details([("clientid", .scalar(String(id)))])
    }

    /// GetClientsDetails by email; nil when WHMCS has no such client.
    package func clientDetails(email: String) async throws -> WHMCSClientDetails? {
        try await details([("email", .scalar(email))])
    }

    private func details(_ fields: [(String, PHPFormValue)]) async throws -> WHMCSClientDetails? {
        do {
            let json = try await perform("GetClientsDetails", fields, safety: .safe)
            guard let client = json["client"] else {
                throw UpstreamError.malformedResponse(.whmcs, action: "GetClientsDetails", detail: "missing client")
            }
            return WHMCSClientDetails(client)
        } catch UpstreamError.apiError(_, _, let message) where message.lowercased().contains("not found") {
            return nil
        }
    }

    /// GetClients: one page, optionally narrowed by a search prefix.
    package func clients(search: String? = nil, page: WHMCSPageRequest = .init()) async throws -> WHMCSPage<
        WHMCSClientSummary
    > {
        var fields = Self.paging(page)
        if let search, !search.isEmpty { fields.append(("search", .scalar(search))) }
        let json = try await perform("GetClients", fields, safety: .safe)
        return Self.page(json, outer: "clients", inner: "client", WHMCSClientSummary.init)
    }

    /// Every client of one group. GetClients has no group filter (CONTRACTS.md §1.5), so pages are walked here.
    package func clients(inGroup groupID: Int) async throws -> [WHMCSClientSummary] {
        var found: [WHMCSClientSummary] = []
        var request: WHMCSPageRequest? = WHMCSPageRequest(start: 0, size: 100)
        while let next = request {
            let page = try await clients(page: next)
            found += page.items.filter { $0.groupID == groupID }
            request = page.next
        }
        return found
    }

    /// UpdateClient: sets the given fields; setting is idempotent, so it is safe to repeat.
    package func updateClient(id: Int, _ update: WHMCSClientUpdate) async throws {
        _ = try await perform("UpdateClient", [("clientid", .scalar(String(id)))] + update.fields, safety: .safe)
    }

    /// GetClientGroups.
    package func clientGroups() async throws -> [WHMCSClientGroup] {
        let json = try await perform("GetClientGroups", safety: .safe)
        return (json["groups"]?["group"]?.elements ?? []).map(WHMCSClientGroup.init)
    }
}
