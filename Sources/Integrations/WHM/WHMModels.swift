/// A hosting account to create with createacct.
package struct WHMNewAccount: Sendable, Equatable {
    package var username: String
    package var domain: String
    package var plan: String
    package var contactEmail: String
    /// Nil lets WHM generate one; the customer signs in through single sign-on anyway.
    package var password: String?

    package init(username: String, domain: String, plan: String, contactEmail: String, password: String? = nil) {
        self.username = username
        self.domain = domain
        self.plan = plan
        self.contactEmail = contactEmail
        self.password = password
    }
}

/// What createacct answers in `data`.
package struct WHMCreatedAccount: Sendable, Equatable {
    package var ip: String
    package var nameservers: [String]
    package var package: String

    package init(ip: String, nameservers: [String], package: String) {
        self.ip = ip
        self.nameservers = nameservers
        self.package = package
    }

    init(_ json: LenientJSON) {
        ip = json["ip"]?.string ?? ""
        package = json["package"]?.string ?? ""
        nameservers = ["nameserver", "nameserver2", "nameserver3", "nameserver4"].compactMap {
            guard let value = json[$0]?.string, !value.isEmpty else { return nil }
            return value
        }
    }
}

/// A row of listaccts.
package struct WHMAccount: Sendable, Equatable {
    package var user: String
    package var domain: String
    package var owner: String
    package var plan: String
    package var email: String
    package var ip: String
    package var suspended: Bool
    package var suspendReason: String?
    package var diskUsed: String
    package var diskLimit: String
    package var startDate: String

    init(_ json: LenientJSON) {
        user = json["user"]?.string ?? ""
        domain = json["domain"]?.string ?? ""
        owner = json["owner"]?.string ?? ""
        plan = json["plan"]?.string ?? ""
        email = json["email"]?.string ?? ""
        ip = json["ip"]?.string ?? ""
        suspended = json["suspended"]?.bool ?? false
        let reason = json["suspendreason"]?.string
        suspendReason = reason == nil || reason == "not suspended" ? nil : reason
        diskUsed = json["diskused"]?.string ?? ""
        diskLimit = json["disklimit"]?.string ?? ""
        startDate = json["startdate"]?.string ?? ""
    }
}

/// A row of listpkgs: the name and its limits (UPPERCASE keys, numbers or `unlimited`).
package struct WHMPackage: Sendable, Equatable {
    package var name: String
    package var quota: String
    package var bandwidth: String

    init(_ json: LenientJSON) {
        name = json["name"]?.string ?? ""
        quota = json["QUOTA"]?.string ?? ""
        bandwidth = json["BWLIMIT"]?.string ?? ""
    }
}

/// The limits of a hosting package to create or change (addpkg / editpkg); nil means unlimited.
package struct WHMPackageSpec: Sendable, Equatable {
    /// Without the reseller prefix; WHM adds `<reseller>_` to a reseller's packages.
    package var name: String
    package var diskMB: Int?
    package var bandwidthMB: Int?

    package init(name: String, diskMB: Int?, bandwidthMB: Int?) {
        self.name = name
        self.diskMB = diskMB
        self.bandwidthMB = bandwidthMB
    }

    var arguments: [(String, String)] {
        [
            ("name", name), ("quota", diskMB.map(String.init) ?? "unlimited"),
            ("bwlimit", bandwidthMB.map(String.init) ?? "unlimited"),
        ]
    }
}

/// create_user_session's answer: a one-time login URL.
package struct WHMUserSession: Sendable, Equatable {
    package var url: String
    package var session: String
    /// Unix time.
    package var expires: Int
}

/// cPanel's rules for account user names (CONTRACTS.md §2.3, createacct).
package enum WHMUsername {
    /// Nil when `name` is acceptable, else why not.
    package static func problem(_ name: String) -> String? {
        if name.isEmpty || name.count > 16 { return "must be 1 to 16 characters" }
        if name != name.lowercased() { return "must be lower case" }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return "may hold only letters and digits"
        }
        if name.first?.isNumber == true { return "cannot start with a digit" }
        if name.hasPrefix("test") { return "cannot start with \"test\"" }
        return nil
    }
}
