import Foundation
import GRDB

/// One WHM API 1 function carried out in a write transaction, as `caller` (root or a reseller).
struct WHMAction {
    let db: Database
    let args: WHMArguments
    let caller: String
    let now: Date
    /// Where the simulator answers, for the links it hands out.
    let baseURL: String

    var isRoot: Bool { caller == "root" }

    /// The privilege each function needs of a reseller.
    static let privilegeNeeded = [
        "createacct": "create-acct", "suspendacct": "suspend-acct", "unsuspendacct": "suspend-acct",
        "removeacct": "kill-acct", "listaccts": "list-accts", "changepackage": "upgrade-account",
        "listpkgs": "list-pkgs", "addpkg": "add-pkg", "editpkg": "edit-pkg",
        "create_user_session": "create-user-session", "installssl": "ssl", "setresellernameservers": "ns-config",
        "showbw": "show-bandwidth",
    ]

    /// Returns (reason, data, raw output). A reseller without the function's privilege is refused in the envelope
    /// (`result: 0`); the exact wording of WHM's refusal is not documented, so the sandbox's names the privilege.
    func perform(_ function: String) throws -> (String, JSONValue?, String?) {
        if !isRoot, let privilege = Self.privilegeNeeded[function],
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM whm_revoked_privileges WHERE user = ? AND privilege = ?",
                arguments: [caller, privilege]) == true
        {
            throw WHMFailure("Permission denied: this reseller lacks the “\(privilege)” privilege.")
        }
        switch function {
        case "createacct": return try createAccount()
        case "suspendacct": return try suspend()
        case "unsuspendacct": return try unsuspend()
        case "removeacct": return try remove()
        case "listaccts": return try listAccounts()
        case "changepackage": return try changePackage()
        case "listpkgs": return try listPackages()
        case "addpkg": return try addPackage()
        case "editpkg": return try editPackage()
        case "setresellernameservers": return try setNameservers()
        case "setupreseller": return try setUpReseller()
        case "create_user_session": return try createUserSession()
        case "installssl": return try installSSL()
        case "myprivs": return try myPrivileges()
        case "showbw": return try showBandwidth()
        default: throw WHMFailure("Unknown app (\(function)) requested for this version (1) of the API.")
        }
    }

    /// Reseller privileges (WHM ACL names) the sandbox knows; a reseller holds each unless it was revoked.
    static let privileges = [
        "acct-summary", "add-pkg", "add-pkg-ip", "add-pkg-shell", "allow-addoncreate", "allow-parkedcreate",
        "allow-unlimited-bw-pkgs", "allow-unlimited-disk-pkgs", "allow-unlimited-pkgs", "basic-whm-functions",
        "cpanel-api", "create-acct", "create-dns", "create-user-session", "edit-account", "edit-dns", "edit-mx",
        "edit-pkg", "kill-acct", "kill-dns", "list-accts", "list-pkgs", "ns-config", "passwd", "ssl", "ssl-buy",
        "ssl-gencrt", "ssl-info", "stats", "status", "suspend-acct", "upgrade-account", "show-bandwidth",
    ]

    /// The rest of WHM's ACL names, as the documentation's myprivs sample lists them: sandbox resellers hold none.
    static let otherPrivileges = [
        "allow-emaillimits-pkgs", "allow-shell", "basic-system-info", "clustering", "cors-proxy-get",
        "cpanel-integration", "demo-setup", "digest-auth", "file-restore", "generate-email-config", "limit-bandwidth",
        "locale-edit", "mailcheck", "manage-api-tokens", "manage-dns-records", "manage-oidc", "manage-styles",
        "mysql-info", "news", "park-dns", "quota", "rearrange-accts", "resftp", "restart",
    ]

    /// `myprivs`: `data.privileges` is a one-element list holding each privilege name with 0 or 1; root has `all`.
    private func myPrivileges() throws -> (String, JSONValue?, String?) {
        let revoked = Set(
            try String.fetchAll(
                db, sql: "SELECT privilege FROM whm_revoked_privileges WHERE user = ?", arguments: [caller]))
        var flags: [String: JSONValue] = ["all": .number(isRoot ? 1 : 0)]
        for privilege in Self.privileges { flags[privilege] = .number(isRoot || !revoked.contains(privilege) ? 1 : 0) }
        for privilege in Self.otherPrivileges { flags[privilege] = .number(isRoot ? 1 : 0) }
        return ("OK", ["privileges": .array([.object(flags)])], nil)
    }

    static let serverNameservers = ["ns1.sandbox.invalid", "ns2.sandbox.invalid"]
    static let sharedIP = "192.0.2.10"

    func ownedAccountRow(_ user: String) throws -> Row { try ownedAccount(user) }

    /// An account the caller may act on: root sees all, a reseller its own.
    private func ownedAccount(_ user: String) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM whm_accounts WHERE user = ?", arguments: [user]) else {
            throw WHMFailure("The user “\(user)” does not exist.")
        }
        guard isRoot || (row["owner"] as String) == caller else {
            throw WHMFailure("You do not have access to an account named “\(user)”.")
        }
        return row
    }

    private func createAccount() throws -> (String, JSONValue?, String?) {
        let username = try args.required("username").lowercased()
        if let problem = CPanelUsername.refusal(username) {
            throw WHMFailure("Invalid username “\(username)”: it \(problem).")
        }
        let domain = args.nonEmpty("domain")?.lowercased() ?? "\(username).sandbox.invalid"
        guard HostNameRules.isValid(domain) else { throw WHMFailure("“\(domain)” is not a valid domain name.") }
        let owner = args.nonEmpty("owner") ?? (args.first("ownerself") == "1" ? username : caller)
        guard isRoot || owner == caller else {
            throw WHMFailure("Without root access, you can only create accounts that you yourself own.")
        }
        guard try Int.fetchOne(db, sql: "SELECT 1 FROM whm_accounts WHERE user = ?", arguments: [username]) == nil
        else {
            throw WHMFailure("Sorry, a group for that username already exists.")
        }
        guard try Int.fetchOne(db, sql: "SELECT 1 FROM whm_accounts WHERE domain = ?", arguments: [domain]) == nil
        else {
            throw WHMFailure("Sorry, the domain “\(domain)” is already set up on this server.")
        }
        if args.nonEmpty("pass") != nil, args.nonEmpty("password") != nil {
            throw WHMFailure("You may not specify both “pass” and “password”.")
        }
        let plan = args.nonEmpty("plan") ?? "default"
        if plan != "default" {
            guard
                let planOwner = try String.fetchOne(
                    db, sql: "SELECT owner FROM whm_packages WHERE name = ?", arguments: [plan])
            else {
                throw WHMFailure("The package “\(plan)” does not exist.")
            }
            guard isRoot || planOwner == caller else {
                throw WHMFailure("You do not have access to the package “\(plan)”.")
            }
        }
        let stored =
            try String.fetchOne(db, sql: "SELECT nameservers FROM whm_resellers WHERE user = ?", arguments: [owner])
            ?? ""
        let nameservers = stored.isEmpty ? Self.serverNameservers : stored.split(separator: ",").map(String.init)
        try db.execute(
            sql: """
                INSERT INTO whm_accounts (user, domain, owner, plan, email, ip, nameservers, unix_startdate)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                username, domain, owner, plan, args.first("contactemail") ?? "", Self.sharedIP,
                nameservers.joined(separator: ","), Int(now.timeIntervalSince1970),
            ]
        )
        // Four nameserver slots, as documented; the ones not set are empty strings.
        var data: [String: JSONValue] = ["ip": .string(Self.sharedIP), "package": .string(plan)]
        for index in 0..<4 {
            let suffix = index == 0 ? "" : String(index + 1)
            data["nameserver\(suffix)"] = .string(index < nameservers.count ? nameservers[index] : "")
            data["nameservera\(suffix)"] = ""
            data["nameserverentry\(suffix)"] = ""
        }
        let raw = "Creating account for \(username) on \(domain)\nAccount Creation Complete!!!"
        return ("Account Creation Ok", .object(data), raw)
    }

    private func suspend() throws -> (String, JSONValue?, String?) {
        let user = try args.required("user")
        _ = try ownedAccount(user)
        let reason = args.nonEmpty("reason") ?? "Unknown"
        try db.execute(
            sql: "UPDATE whm_accounts SET suspended = 1, suspendreason = ?, suspendtime = ? WHERE user = ?",
            arguments: [reason, Int(now.timeIntervalSince1970), user]
        )
        return ("OK", nil, "Suspending \(user)\nAccount has been suspended")
    }

    private func unsuspend() throws -> (String, JSONValue?, String?) {
        let user = try args.required("user")
        _ = try ownedAccount(user)
        try db.execute(
            sql: "UPDATE whm_accounts SET suspended = 0, suspendreason = NULL, suspendtime = NULL WHERE user = ?",
            arguments: [user]
        )
        return ("OK", nil, "Unsuspending \(user)\nAccount is now active")
    }

    private func remove() throws -> (String, JSONValue?, String?) {
        guard let user = args.nonEmpty("username") ?? args.nonEmpty("user") else {
            throw WHMFailure("The \"username\" parameter is required.")
        }
        _ = try ownedAccount(user)
        if try Int.fetchOne(
            db, sql: "SELECT 1 FROM whm_accounts WHERE owner = ? AND user != ?", arguments: [user, user]) != nil
        {
            throw WHMFailure("The reseller “\(user)” still owns accounts; remove or move them first.")
        }
        try db.execute(sql: "DELETE FROM whm_accounts WHERE user = ?", arguments: [user])
        try db.execute(sql: "DELETE FROM whm_sessions WHERE user = ?", arguments: [user])
        try db.execute(sql: "DELETE FROM whm_resellers WHERE user = ?", arguments: [user])
        try db.execute(sql: "DELETE FROM whm_tokens WHERE user = ?", arguments: [user])
        return ("\(user) account removed", nil, "Removing account \(user)\nAccount removal complete")
    }

    private func listAccounts() throws -> (String, JSONValue?, String?) {
        var rows = try Row.fetchAll(
            db,
            sql: isRoot
                ? "SELECT * FROM whm_accounts ORDER BY user"
                : "SELECT * FROM whm_accounts WHERE owner = ? ORDER BY user",
            arguments: isRoot ? [] : [caller]
        )
        if let search = args.first("search"), !search.isEmpty {
            let type = args.nonEmpty("searchtype") ?? "user"
            let columns: [String: [String]] = [
                "domain": ["domain"], "owner": ["owner"], "user": ["user"], "ip": ["ip"], "package": ["plan"],
                "domain_and_user": ["domain", "user"],
            ]
            guard let fields = columns[type] else { throw WHMFailure("Unknown search type.") }
            let exact = args.first("searchmethod") == "exact"
            let pattern = exact ? nil : try? NSRegularExpression(pattern: search, options: [.caseInsensitive])
            rows = rows.filter { row in
                fields.contains { column in
                    let value: String = row[column]
                    if exact { return value == search }
                    guard let pattern else { return false }
                    return pattern.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
                }
            }
        }
        let accounts = rows.map(account)
        return ("OK", ["acct": .array(accounts)], nil)
    }

    private func account(_ row: Row) -> JSONValue {
        let start: Int = row["unix_startdate"]
        let suspended: Int = row["suspended"]
        let reason: String? = row["suspendreason"]
        var fields: [String: JSONValue] = [
            "user": .string(row["user"]), "domain": .string(row["domain"]), "owner": .string(row["owner"]),
            "plan": .string(row["plan"]), "email": .string(row["email"]), "ip": .string(row["ip"]),
            "suspended": .number(Double(suspended)), "suspendreason": reason.map(JSONValue.string) ?? .null,
            "suspendtime": (row["suspendtime"] as Int?).map { .number(Double($0)) } ?? .null,
            "unix_startdate": .number(Double(start)),
            "startdate": .string(
                WHMCSAction.format(Date(timeIntervalSince1970: TimeInterval(start)), "yy MMM dd HH:mm")),
        ]
        let usage = try? Row.fetchOne(
            db, sql: "SELECT disk_mb FROM whm_usage WHERE user = ?", arguments: [row["user"] as String])
        fields["diskused"] = .string("\(Int((usage?["disk_mb"] as Double?) ?? Self.freshAccountDiskMB))M")
        let quota = try? String.fetchOne(
            db, sql: "SELECT quota FROM whm_packages WHERE name = ?", arguments: [row["plan"] as String])
        fields["disklimit"] = .string(quota.flatMap { Int($0) }.map { $0 == 0 ? "unlimited" : "\($0)M" } ?? "unlimited")
        fields["partition"] = "home"
        fields["shell"] = "/usr/local/cpanel/bin/noshell"
        fields["theme"] = "jupiter"
        fields["is_locked"] = 0
        fields["temporary"] = 0
        fields["has_backup"] = 0
        fields["ipv6"] = []
        fields["maxpop"] = "unlimited"
        fields["maxsql"] = "unlimited"
        fields["uid"] = .number(Double(1000 + start % 50000))
        return .object(fields)
    }

    private func changePackage() throws -> (String, JSONValue?, String?) {
        let user = try args.required("user")
        let package = try args.required("pkg")
        _ = try ownedAccount(user)
        guard
            let owner = try String.fetchOne(
                db, sql: "SELECT owner FROM whm_packages WHERE name = ?", arguments: [package])
        else {
            throw WHMFailure("Specified package “\(package)” does not exist.")
        }
        guard isRoot || owner == caller else { throw WHMFailure("You do not have access to the package “\(package)”.") }
        try db.execute(sql: "UPDATE whm_accounts SET plan = ? WHERE user = ?", arguments: [package, user])
        return ("OK", nil, "Changing package of \(user) to \(package)\nQUOTA changed")
    }

    /// A limit as WHM takes it: megabytes or `unlimited`.
    private func limit(_ key: String, current: String?) throws -> String {
        guard let value = args.nonEmpty(key) else { return current ?? "unlimited" }
        guard value == "unlimited" || (Int(value).map { $0 >= 0 } ?? false) else {
            throw WHMFailure("Invalid value for “\(key)”: \(value)")
        }
        return value
    }

    /// addpkg: a reseller's packages are named `<reseller>_<name>`, as WHM does.
    private func addPackage() throws -> (String, JSONValue?, String?) {
        let raw = try args.required("name")
        guard raw.count <= 64,
            raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == " ") })
        else {
            throw WHMFailure("The package name “\(raw)” is not valid.")
        }
        let name = isRoot || raw.hasPrefix(caller + "_") ? raw : "\(caller)_\(raw)"
        guard try String.fetchOne(db, sql: "SELECT name FROM whm_packages WHERE name = ?", arguments: [name]) == nil
        else {
            throw WHMFailure("A package named “\(name)” already exists.")
        }
        try db.execute(
            sql: "INSERT INTO whm_packages (name, owner, quota, bwlimit) VALUES (?, ?, ?, ?)",
            arguments: [name, caller, try limit("quota", current: nil), try limit("bwlimit", current: nil)]
        )
        return ("Created the package “\(name)”.", ["pkg": .string(name)], nil)
    }

    private func editPackage() throws -> (String, JSONValue?, String?) {
        let name = try args.required("name")
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM whm_packages WHERE name = ?", arguments: [name]) else {
            throw WHMFailure("The package “\(name)” does not exist.")
        }
        guard isRoot || (row["owner"] as String) == caller else {
            throw WHMFailure("You do not have access to the package “\(name)”.")
        }
        try db.execute(
            sql: "UPDATE whm_packages SET quota = ?, bwlimit = ? WHERE name = ?",
            arguments: [try limit("quota", current: row["quota"]), try limit("bwlimit", current: row["bwlimit"]), name]
        )
        return ("Modified the package “\(name)”.", ["pkg": .string(name)], nil)
    }

    private func listPackages() throws -> (String, JSONValue?, String?) {
        let want = args.nonEmpty("want") ?? "creatable"
        guard ["creatable", "all", "viewable"].contains(want) else { throw WHMFailure("Invalid “want” value: \(want)") }
        let rows = try Row.fetchAll(
            db,
            sql: isRoot
                ? "SELECT * FROM whm_packages ORDER BY name"
                : "SELECT * FROM whm_packages WHERE owner = ? ORDER BY name",
            arguments: isRoot ? [] : [caller]
        )
        let packages: [JSONValue] = rows.map { row in
            [
                "name": .string(row["name"]), "QUOTA": .string(row["quota"]), "BWLIMIT": .string(row["bwlimit"]),
                "MAXPOP": .string(row["maxpop"]), "MAXSQL": .string(row["maxsql"]), "MAXFTP": "unlimited",
                "MAXSUB": "unlimited", "MAXPARK": "0", "MAXADDON": "0", "CGI": "y", "HASSHELL": "n", "IP": "n",
                "FEATURELIST": "default", "CPMOD": "jupiter", "LANG": "en", "DIGESTAUTH": "n", "MAXLST": "unlimited",
                "MAX_DEFER_FAIL_PERCENTAGE": "unlimited", "MAX_EMAILACCT_QUOTA": "unlimited",
                "MAX_EMAIL_PER_HOUR": "unlimited", "MAX_TEAM_USERS": 7, "_PACKAGE_EXTENSIONS": "",
            ]
        }
        return ("OK", ["pkg": .array(packages)], nil)
    }

    /// setupreseller: root gives an existing account reseller rights; `makeowner=1` makes it own itself.
    private func setUpReseller() throws -> (String, JSONValue?, String?) {
        guard isRoot else { throw WHMFailure("Permission denied: only root may set up resellers.") }
        let user = try args.required("user")
        _ = try ownedAccount(user)
        try db.execute(
            sql: "INSERT INTO whm_resellers (user) VALUES (?) ON CONFLICT(user) DO NOTHING", arguments: [user])
        if args.first("makeowner") == "1" {
            try db.execute(sql: "UPDATE whm_accounts SET owner = ? WHERE user = ?", arguments: [user, user])
        }
        return ("OK", nil, nil)
    }

    private func setNameservers() throws -> (String, JSONValue?, String?) {
        let user = try args.required("user")
        guard isRoot || user == caller else {
            throw WHMFailure("You do not have permission to set nameservers for “\(user)”.")
        }
        guard try String.fetchOne(db, sql: "SELECT user FROM whm_resellers WHERE user = ?", arguments: [user]) != nil
        else {
            throw WHMFailure("“\(user)” is not a reseller.")
        }
        let nameservers = (args.first("nameservers") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard nameservers.allSatisfy(HostNameRules.isValid), nameservers.count <= 4 else {
            throw WHMFailure("A specified nameserver is invalid.")
        }
        try db.execute(
            sql: "UPDATE whm_resellers SET nameservers = ? WHERE user = ?",
            arguments: [nameservers.joined(separator: ","), user])
        return ("OK", nil, nil)
    }

    /// What a new account holds on disk before its owner uploads anything (cPanel's skeleton, mail folders).
    static let freshAccountDiskMB = 4.0

    /// showbw: each account's bandwidth this month, in bytes, with its limit in bytes (0: unlimited), as documented
    /// (`data.acct[{bwusage[{deleted,domain,usage}], deleted, limit, maindomain, owner, reseller, totalbytes, user}]`,
    /// `data.month`, `data.year`, `data.reseller`, `data.totalused`).
    private func showBandwidth() throws -> (String, JSONValue?, String?) {
        var rows = try Row.fetchAll(
            db,
            sql: """
                SELECT whm_accounts.user, whm_accounts.domain, whm_accounts.owner, whm_packages.bwlimit,
                    coalesce(whm_usage.bandwidth_bytes, 0) AS used,
                    EXISTS (SELECT 1 FROM whm_resellers WHERE whm_resellers.user = whm_accounts.user) AS is_reseller
                FROM whm_accounts LEFT JOIN whm_packages ON whm_packages.name = whm_accounts.plan
                LEFT JOIN whm_usage ON whm_usage.user = whm_accounts.user
                \(isRoot ? "" : "WHERE whm_accounts.owner = ?") ORDER BY whm_accounts.user
                """,
            arguments: isRoot ? [] : [caller])
        if let search = args.nonEmpty("search") {
            let columns = ["domain": "domain", "owner": "owner", "user": "user"]
            guard let column = columns[args.nonEmpty("searchtype") ?? "user"] else {
                throw WHMFailure("Unknown search type.")
            }
            let pattern = try? NSRegularExpression(pattern: search)
            rows = rows.filter { row in
                let value: String = row[column]
                return pattern?.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
            }
        }
        let accounts: [JSONValue] = rows.map { row in
            let used: Int64 = row["used"]
            let limit = (row["bwlimit"] as String?).flatMap { Int64($0) }.map { $0 * 1_048_576 } ?? 0
            return .object([
                "user": .string(row["user"]), "maindomain": .string(row["domain"]), "owner": .string(row["owner"]),
                "deleted": 0, "reseller": .number(Double(row["is_reseller"] as Int)), "limit": .number(Double(limit)),
                "totalbytes": .number(Double(used)),
                "bwusage": .array([
                    .object(["deleted": 0, "domain": .string(row["domain"]), "usage": .number(Double(used))])
                ]),
            ])
        }
        let calendar = Calendar(identifier: .gregorian)
        let total = rows.reduce(Int64(0)) { $0 + ($1["used"] as Int64) }
        return (
            "OK",
            .object([
                "acct": .array(accounts), "month": .number(Double(calendar.component(.month, from: now))),
                "year": .number(Double(calendar.component(.year, from: now))), "reseller": .string(caller),
                "totalused": .number(Double(total)),
            ]), nil
        )
    }

    /// Some of the cPanel applications create_user_session's `app` parameter lists.
    static let cPanelApplications: Set<String> = [
        "Backups_Home", "Cron_Home", "Database_MySQL", "Database_phpMyAdmin", "Domains_AddonDomains",
        "Domains_SubDomains", "Email_Accounts", "Email_Forwarders", "Email_SpamFilter", "FileManager_Home",
        "Password_Change", "Site_Software", "Stats_AWStats",
    ]

    private func createUserSession() throws -> (String, JSONValue?, String?) {
        let user = try args.required("user")
        let service = try args.required("service")
        let ports = ["cpaneld": 2083, "whostmgrd": 2087, "webmaild": 2096]
        guard ports[service] != nil else {
            throw WHMFailure("The \"service\" parameter is invalid. It must be one of: cpaneld, whostmgrd, webmaild.")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM whm_accounts WHERE user = ?", arguments: [user]) else {
            throw WHMFailure("You cannot create a session for the user “\(user)” because they do not exist.")
        }
        guard isRoot || (row["owner"] as String) == caller else {
            throw WHMFailure("You do not have permission to create sessions for the user “\(user)”.")
        }
        guard (row["suspended"] as Int) == 0 else {
            throw WHMFailure("You cannot create a session for the user “\(user)” because they are currently suspended.")
        }
        if service == "whostmgrd",
            try Int.fetchOne(db, sql: "SELECT 1 FROM whm_resellers WHERE user = ?", arguments: [user]) == nil
        {
            throw WHMFailure("You cannot create a session for the user “\(user)” because they are not a reseller.")
        }
        // An application WHM does not know still gets a session, linked to no application (as documented).
        let app = args.nonEmpty("app").flatMap { Self.cPanelApplications.contains($0) ? $0 : nil }
        if let locale = args.nonEmpty("locale"),
            locale.count > 16 || !locale.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_") })
        {
            throw WHMFailure("The \"locale\" parameter is invalid.")
        }
        let session =
            "\(user):\(WHMCSAction.randomToken(16, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"))"
        let securityToken = "/cpsess" + WHMCSAction.randomToken(10, alphabet: "0123456789")
        let expires = Int(now.timeIntervalSince1970) + 15 * 60
        try db.execute(
            sql: "INSERT INTO whm_sessions (session, user, service, expires) VALUES (?, ?, ?, ?)",
            arguments: [session, user, service, expires]
        )
        // The sandbox serves the login itself, so the link points back at the simulator instead of port 2083.
        let encoded = session.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? session
        var url = "\(baseURL)\(securityToken)/login/?session=\(encoded)"
        if let app { url += "&goto_app=\(app)" }
        var data: [String: JSONValue] = [
            "url": .string(url), "session": .string(session), "cp_security_token": .string(securityToken),
            "expires": .number(Double(expires)), "service": .string(service),
        ]
        if let locale = args.nonEmpty("locale") {
            url += "&locale=\(locale)"
            data["url"] = .string(url)
            data["locale"] = .string(locale)
        }
        return ("Created session", .object(data), nil)
    }
}

/// Host names as WHM checks domains and nameservers: letters, digits and hyphens in dot-separated labels.
enum HostNameRules {
    static func isValid(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, name.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
