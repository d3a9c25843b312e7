import Foundation
import Integrations
import Tenancy

extension TenantUpstreams {
    /// Validates `input` against the stored settings and saves it with an audit entry in one transaction, or returns the problems and stores nothing. Saving resets the tenant's circuit breakers.
    ///
    /// A stored secret is only kept while everything it is sent with stays the same: changing the mode, an address,
    /// the identifier, the group or the reseller requires the secret again. Otherwise an owner could send a stored
    /// credential to a server of their choosing, or use it on another brand's client group.
    package func update(
        _ tenant: Tenant, with input: IntegrationSettingsInput, actor: Account?, ip: String = ""
    ) async throws -> IntegrationSettingsInput.FieldErrors {
        let stored = try await settings(of: tenant)
        var settings = stored
        var errors: IntegrationSettingsInput.FieldErrors = [:]

        if let raw = input.mode {
            if let mode = IntegrationSettings.Mode(rawValue: raw) {
                settings.mode = mode
            } else {
                errors["mode"] = "Choose sandbox or live."
            }
        }
        if settings.mode == .sandbox, !allowSandbox,
            input.mode != nil || settings.whmcsConfigured || settings.whmConfigured
        {
            errors["mode"] = "Sandbox mode is not enabled on this server; choose live."
        }
        if let raw = input.whmcsURL { settings.whmcsURL = Self.trimmedURL(raw, dropping: "/includes/api.php") }
        if let raw = input.whmcsIdentifier { settings.whmcsIdentifier = raw.trimmingCharacters(in: .whitespaces) }
        if let raw = input.whmURL { settings.whmURL = Self.trimmedURL(raw, dropping: "/json-api") }
        if let raw = input.whmUser { settings.whmUser = raw.trimmingCharacters(in: .whitespaces).lowercased() }
        if let raw = input.whmReseller { settings.whmReseller = raw.trimmingCharacters(in: .whitespaces).lowercased() }
        if let raw = input.whmcsGroup {
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                settings.whmcsGroupID = nil
            } else if let id = Int(text), id > 0 {
                settings.whmcsGroupID = id
            } else {
                errors["whmcs_group"] = "Enter the client group's number from WHMCS (Setup › Client Groups), such as 3."
            }
        }

        if let raw = input.twentyIURL { settings.twentyIURL = Self.trimmedURL(raw, dropping: "/reseller") }
        if let raw = input.sslStoreURL { settings.sslStoreURL = Self.trimmedURL(raw, dropping: "/order") }
        if let raw = input.sslStorePartner { settings.sslStorePartner = raw.trimmingCharacters(in: .whitespaces) }
        let whmcsMoved =
            settings.mode != stored.mode || settings.whmcsURL != stored.whmcsURL
            || settings.whmcsIdentifier != stored.whmcsIdentifier || settings.whmcsGroupID != stored.whmcsGroupID
        let whmMoved =
            settings.mode != stored.mode || settings.whmURL != stored.whmURL || settings.whmUser != stored.whmUser
            || settings.whmReseller != stored.whmReseller
        if whmcsMoved {
            settings.whmcsSecret = nil
            settings.whmcsAccessKey = nil
        }
        if whmMoved { settings.whmToken = nil }

        if let secret = input.whmcsSecret?.trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty {
            if let problem = Self.secretProblem(secret) {
                errors["whmcs_secret"] = problem
            } else {
                settings.whmcsSecret = try seal(secret, tenant, "whmcs.secret")
            }
        } else if whmcsMoved, stored.whmcsSecret != nil, !settings.whmcsURL.isEmpty {
            errors["whmcs_secret"] = "Enter the API secret again: the address, identifier, group or mode changed."
        }
        if input.clearWHMCSAccessKey {
            settings.whmcsAccessKey = nil
        } else if let key = input.whmcsAccessKey?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!@#$%.()*[]-_"))
            if key.count > 256 || key.unicodeScalars.contains(where: { !$0.isASCII || !allowed.contains($0) }) {
                errors["whmcs_accesskey"] = "An access key may hold letters, digits and ! @ # $ % . ( ) * [ ] - _ only."
            } else {
                settings.whmcsAccessKey = try seal(key, tenant, "whmcs.accesskey")
            }
        } else if whmcsMoved, stored.whmcsAccessKey != nil, !settings.whmcsURL.isEmpty {
            errors["whmcs_accesskey"] = "Enter the access key again, or leave it out: the connection changed."
        }
        if let token = input.whmToken?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            if token.count > 256 || !token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                errors["whm_token"] = "A WHM API token holds letters and digits only (WHM › Manage API Tokens)."
            } else {
                settings.whmToken = try seal(token, tenant, "whm.token")
            }
        } else if whmMoved, stored.whmToken != nil, !settings.whmURL.isEmpty {
            errors["whm_token"] = "Enter the API token again: the address, reseller or mode changed."
        }

        // 20i and TheSSLStore: a stored key or token stays only while it goes to the same place.
        let twentyIMoved = settings.mode != stored.mode || settings.twentyIURL != stored.twentyIURL
        let sslStoreMoved =
            settings.mode != stored.mode || settings.sslStoreURL != stored.sslStoreURL
            || settings.sslStorePartner != stored.sslStorePartner
        if twentyIMoved { settings.twentyIKey = nil }
        if sslStoreMoved { settings.sslStoreToken = nil }
        if let key = input.twentyIKey?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty {
            if key.count > 128 || !key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                errors["twentyi_key"] =
                    "A 20i general API key holds letters and digits only (My20i › Reseller Preferences › API)."
            } else {
                settings.twentyIKey = try seal(key, tenant, "twentyi.key")
            }
        } else if twentyIMoved, stored.twentyIKey != nil, !settings.twentyIURL.isEmpty {
            errors["twentyi_key"] = "Enter the API key again: the address or mode changed."
        }
        if let token = input.sslStoreToken?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            if let problem = Self.secretProblem(token) {
                errors["sslstore_token"] = problem
            } else {
                settings.sslStoreToken = try seal(token, tenant, "sslstore.token")
            }
        } else if sslStoreMoved, stored.sslStoreToken != nil, !settings.sslStoreURL.isEmpty {
            errors["sslstore_token"] = "Enter the auth token again: the address, partner code or mode changed."
        }
        Self.checkTwentyI(settings, into: &errors)
        Self.checkSSLStore(settings, into: &errors)

        Self.checkWHMCS(settings, into: &errors)
        Self.checkWHM(settings, into: &errors)
        // Another brand's client group or reseller would mix two brands' customers; whose it is stays unsaid.
        let claim = UpstreamClaim(settings)
        if errors.isEmpty, let registry {
            // Checked and recorded in one step, so two brands saving at once cannot both take one group.
            let holders: (whmcs: String?, whm: String?)
            do {
                holders = try await registry.reserve(claim, for: tenant.id)
            } catch {
                logger.warning(
                    "upstream claim not checked", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
                errors["whmcs_group"] =
                    "The platform's registry cannot be reached just now, so nothing was saved; try again in a minute."
                return errors
            }
            if holders.whmcs != nil {
                errors["whmcs_group"] =
                    "This client group already belongs to another brand on this platform; each brand needs its own."
            }
            if holders.whm != nil {
                errors[settings.whmReseller.isEmpty ? "whm_user" : "whm_reseller"] =
                    "This reseller already belongs to another brand on this platform; each brand needs its own."
            }
        }
        guard errors.isEmpty else { return errors }

        do {
            try await databases.withDatabase(for: tenant) { database in
                try await database.upstreams.save(
                    settings, actor: actor,
                    detail:
                        "mode=\(settings.mode.rawValue) whmcs=\(settings.whmcsConfigured) whm=\(settings.whmConfigured)"
                        + " 20i=\(settings.twentyIConfigured) sslstore=\(settings.sslStoreConfigured)", ip: ip
                )
            }
        } catch {
            // Not saved: the brand keeps claiming what its stored settings use.
            if let registry { try? await registry.record(UpstreamClaim(stored), of: tenant.id) }
            throw error
        }
        resetBreakers(tenant)
        return [:]
    }

    static func trimmedURL(_ raw: String, dropping suffix: String) -> String {
        var text = raw.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        if text.lowercased().hasSuffix(suffix) { text.removeLast(suffix.count) }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    static func secretProblem(_ secret: String) -> String? {
        if secret.count > 256 { return "That secret is longer than 256 characters." }
        if secret.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "The secret contains control characters; paste it again."
        }
        return nil
    }

    /// Nil when `url` suits `mode`: live needs HTTPS to a public address, sandbox a loopback one (the simulators).
    /// Names are not resolved here: an operator who runs internal services should also filter egress.
    static func urlProblem(_ url: String, mode: IntegrationSettings.Mode) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty, components.user == nil, components.password == nil,
            components.query == nil, components.fragment == nil
        else { return "Enter a web address such as https://billing.example.com." }
        let kind = HostKind(host)
        switch mode {
        case .live:
            guard scheme == "https" else { return "Live mode needs an https:// address." }
            guard kind == .publicName || kind == .publicAddress else {
                return "Live mode needs the real server's public address, not this machine or a private network."
            }
        case .sandbox:
            guard scheme == "http" || scheme == "https" else { return "Enter an http:// or https:// address." }
            guard kind == .loopback else {
                return
                    "Sandbox mode talks to the simulators on this machine (http://127.0.0.1:PORT); switch to live for a real server."
            }
        }
        return nil
    }

    /// 20i is configured completely or not at all.
    static func checkTwentyI(_ settings: IntegrationSettings, into errors: inout IntegrationSettingsInput.FieldErrors) {
        guard !settings.twentyIURL.isEmpty || settings.twentyIKey != nil else { return }
        if settings.twentyIURL.isEmpty {
            errors["twentyi_url"] = "Enter the 20i API address, https://api.20i.com."
        } else if let problem = urlProblem(settings.twentyIURL, mode: settings.mode) {
            errors["twentyi_url"] = problem
        }
        if settings.twentyIKey == nil, errors["twentyi_key"] == nil {
            errors["twentyi_key"] = "Enter the 20i general API key."
        }
    }

    /// TheSSLStore is configured completely or not at all.
    static func checkSSLStore(_ settings: IntegrationSettings, into errors: inout IntegrationSettingsInput.FieldErrors)
    {
        guard !settings.sslStoreURL.isEmpty || !settings.sslStorePartner.isEmpty || settings.sslStoreToken != nil else {
            return
        }
        if settings.sslStoreURL.isEmpty {
            errors["sslstore_url"] = "Enter the TheSSLStore API address, https://api.thesslstore.com/rest."
        } else if let problem = urlProblem(settings.sslStoreURL, mode: settings.mode) {
            errors["sslstore_url"] = problem
        }
        if settings.sslStorePartner.isEmpty || settings.sslStorePartner.count > 64
            || settings.sslStorePartner.contains(where: { $0.isWhitespace || !$0.isASCII })
        {
            errors["sslstore_partner"] = "Enter the partner code from the TheSSLStore partner area, without spaces."
        }
        if settings.sslStoreToken == nil, errors["sslstore_token"] == nil {
            errors["sslstore_token"] = "Enter the TheSSLStore auth token."
        }
    }

    /// WHMCS is configured completely or not at all.
    static func checkWHMCS(_ settings: IntegrationSettings, into errors: inout IntegrationSettingsInput.FieldErrors) {
        let anySet = !settings.whmcsURL.isEmpty || !settings.whmcsIdentifier.isEmpty || settings.whmcsGroupID != nil
        guard anySet else { return }
        if settings.whmcsURL.isEmpty {
            errors["whmcs_url"] = "Enter the WHMCS address, such as https://billing.example.com."
        } else if let problem = urlProblem(settings.whmcsURL, mode: settings.mode) {
            errors["whmcs_url"] = problem
        }
        if settings.whmcsIdentifier.isEmpty {
            errors["whmcs_identifier"] = "Enter the API identifier (WHMCS › System Settings › API Credentials)."
        } else if settings.whmcsIdentifier.count > 128
            || settings.whmcsIdentifier.contains(where: { $0.isWhitespace || !$0.isASCII })
        {
            errors["whmcs_identifier"] = "An API identifier has no spaces and at most 128 characters."
        }
        if settings.whmcsSecret == nil, errors["whmcs_secret"] == nil {
            errors["whmcs_secret"] = "Enter the API secret."
        }
        if settings.whmcsGroupID == nil, errors["whmcs_group"] == nil {
            errors["whmcs_group"] = "Enter this brand's client group number; every customer is created in it."
        }
    }

    /// WHM is configured completely or not at all, as a reseller: with its own token, or root's token acting for
    /// one named reseller (never root on its own, so the brand's accounts stay apart from other brands').
    static func checkWHM(_ settings: IntegrationSettings, into errors: inout IntegrationSettingsInput.FieldErrors) {
        guard !settings.whmURL.isEmpty || !settings.whmUser.isEmpty || !settings.whmReseller.isEmpty else { return }
        if settings.whmURL.isEmpty {
            errors["whm_url"] = "Enter the WHM address, such as https://server.example.com:2087."
        } else if let problem = urlProblem(settings.whmURL, mode: settings.mode) {
            errors["whm_url"] = problem
        }
        if settings.whmUser == "root" {
            if settings.whmReseller.isEmpty || settings.whmReseller == "root" {
                errors["whm_reseller"] =
                    "With root's token, name the reseller this brand acts for, so its accounts stay apart from other brands'."
            } else if let problem = WHMUsername.problem(settings.whmReseller) {
                errors["whm_reseller"] = "The reseller user name \(problem)."
            }
        } else if let problem = WHMUsername.problem(settings.whmUser) {
            errors["whm_user"] =
                settings.whmUser.isEmpty ? "Enter the reseller's user name." : "The reseller user name \(problem)."
        } else if !settings.whmReseller.isEmpty, settings.whmReseller != settings.whmUser {
            errors["whm_reseller"] =
                "Only root's token acts for another reseller; leave this empty with the reseller's own token."
        }
        if settings.whmToken == nil, errors["whm_token"] == nil {
            errors["whm_token"] = "Enter the reseller's API token."
        }
    }

}
