import Foundation
import GRDB

extension WHMCSAction {
    func addClient() throws -> JSONValue {
        let required: [(String, String)] = [
            ("firstname", "You did not enter your first name"), ("lastname", "You did not enter your last name"),
            ("email", "You did not enter your email address"), ("address1", "You did not enter your  address line 1"),
            ("city", "You did not enter your city"), ("state", "You did not enter your state"),
            ("postcode", "You did not enter your postcode"), ("country", "You did not enter your country"),
            ("phonenumber", "You did not enter your phone number"),
        ]
        for (field, message) in required where params.nonEmpty(field) == nil { throw WHMCSFailure(message) }
        if let owner = params.nonEmpty("owner_user_id") {
            guard let id = Int(owner), try clientRow(id: id) != nil else { throw WHMCSFailure("Invalid Owner User ID") }
        } else if params.nonEmpty("password2") == nil {
            throw WHMCSFailure("You did not enter a password")
        }
        let email = params.nonEmpty("email") ?? ""
        guard Self.isEmail(email) else { throw WHMCSFailure("The email address you entered was not valid") }
        guard try Int.fetchOne(db, sql: "SELECT id FROM whmcs_clients WHERE email = ?", arguments: [email]) == nil
        else {
            throw WHMCSFailure("A user already exists with that email address")
        }
        let country = (params.nonEmpty("country") ?? "").uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw WHMCSFailure("Valid country required")
        }
        let group = params.int("groupid") ?? 0
        if group != 0 {
            guard
                try Int.fetchOne(db, sql: "SELECT id FROM whmcs_client_groups WHERE id = ?", arguments: [group]) != nil
            else {
                throw WHMCSFailure("Invalid Client Group ID")
            }
        }
        let currency = params.int("currency") ?? 1
        guard Self.currencies.contains(where: { $0.id == currency }) else { throw WHMCSFailure("Invalid Currency ID") }
        let fields = try customFields()
        try db.execute(
            sql: """
                INSERT INTO whmcs_clients (uuid, firstname, lastname, companyname, email, address1, address2, city, state,
                    postcode, country, phonenumber, groupid, language, notes, customfields, datecreated, currency, tax_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                UUID().uuidString.lowercased(), params.nonEmpty("firstname"), params.nonEmpty("lastname"),
                params.string("companyname") ?? "", email, params.nonEmpty("address1"), params.string("address2") ?? "",
                params.nonEmpty("city"), params.nonEmpty("state"), params.nonEmpty("postcode"), country,
                params.nonEmpty("phonenumber"), group, params.string("language") ?? "", params.string("notes") ?? "",
                Self.encodeJSON(fields), today, currency, params.string("tax_id") ?? "",
            ]
        )
        let clientID = Int(db.lastInsertedRowID)
        if !params.flag("noemail") { try sendStockEmail(.clientSignup, client: clientID, about: "") }
        return ["clientid": Self.id(clientID)]
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
    }

    func clientRow(id: Int? = nil, email: String? = nil) throws -> Row? {
        if let id { return try Row.fetchOne(db, sql: "SELECT * FROM whmcs_clients WHERE id = ?", arguments: [id]) }
        if let email {
            return try Row.fetchOne(db, sql: "SELECT * FROM whmcs_clients WHERE email = ?", arguments: [email])
        }
        return nil
    }

    func getClientsDetails() throws -> JSONValue {
        let id = params.int("clientid")
        let email = params.nonEmpty("email")
        guard id != nil || email != nil else { throw WHMCSFailure("Either clientid Or email Is Required") }
        guard let row = try clientRow(id: id, email: id == nil ? email : nil) else {
            throw WHMCSFailure("Client Not Found")
        }
        let client = try clientDetails(row)
        var body: [String: JSONValue] = ["client": client]
        // The deprecated top-level copies of the client fields (CONTRACTS.md §1.5).
        if case .object(let fields) = client {
            for (key, value) in fields where key != "users" && key != "customfields" { body[key] = value }
        }
        if params.flag("stats") {
            let clientID: Int = row["id"]
            let due =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM whmcs_invoices WHERE userid = ? AND status = 'Unpaid'",
                    arguments: [clientID]) ?? 0
            let balance =
                try Int.fetchOne(
                    db,
                    sql: "SELECT coalesce(sum(total), 0) FROM whmcs_invoices WHERE userid = ? AND status = 'Unpaid'",
                    arguments: [clientID]) ?? 0
            let active =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM whmcs_services WHERE userid = ? AND domainstatus = 'Active'",
                    arguments: [clientID]) ?? 0
            // Counts are numbers and amounts formatted for display, as in the documented example.
            let currency: Int = row["currency"]
            body["stats"] = [
                "numdueinvoices": .number(Double(due)),
                "dueinvoicesbalance": Self.formatted(balance, currency: currency),
                "numunpaidinvoices": .number(Double(due)),
                "unpaidinvoicesamount": Self.formatted(balance, currency: currency),
                "incredit": false, "creditbalance": Self.formatted(0, currency: currency),
                "productsnumactive": .number(Double(active)),
            ]
        }
        return .object(body)
    }

    private func clientDetails(_ row: Row) throws -> JSONValue {
        let id: Int = row["id"]
        let first: String = row["firstname"]
        let last: String = row["lastname"]
        let email: String = row["email"]
        let custom = Self.decodeJSON(row["customfields"])
        let customList: [JSONValue] = custom.keys.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map {
            ["id": .string($0), "value": .string(custom[$0] ?? "")]
        }
        var fields: [String: JSONValue] = [
            "client_id": Self.id(id), "id": Self.id(id), "userid": Self.id(id), "owner_user_id": Self.id(id),
            "uuid": .string(row["uuid"]), "firstname": .string(first), "lastname": .string(last),
            "fullname": .string("\(first) \(last)"), "companyname": .string(row["companyname"]),
            "tax_id": .string(row["tax_id"]),
            "email": .string(email),
            "address1": .string(row["address1"]), "address2": .string(row["address2"]), "city": .string(row["city"]),
            "state": .string(row["state"]), "fullstate": .string(row["state"]), "statecode": .string(row["state"]),
            "postcode": .string(row["postcode"]), "countrycode": .string(row["country"]),
            "country": .string(row["country"]),
            "countryname": .string(row["country"]), "phonenumber": .string(row["phonenumber"]),
            "groupid": Self.id(row["groupid"]), "status": .string(row["status"]), "credit": "0.00",
            "currency": .string(String(row["currency"] as Int)),
            "currency_code": .string(Self.currencies.first { $0.id == (row["currency"] as Int) }?.code ?? "GBP"),
            "language": .string(row["language"]), "notes": .string(row["notes"]),
            "email_verified": false, "allowSingleSignOn": "1", "lastlogin": "No Login Logged",
            "customfields": .array(customList),
            "users": [
                "user": [
                    ["id": Self.id(id), "name": .string("\(first) \(last)"), "email": .string(email), "is_owner": true]
                ]
            ],
        ]
        for (key, value) in custom { fields["customfields\(key)"] = .string(value) }
        return .object(fields)
    }

    func getClients() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let search = params.nonEmpty("search") {
            conditions.append(
                "(email LIKE ?1 || '%' OR firstname LIKE ?1 || '%' OR lastname LIKE ?1 || '%' OR (firstname || ' ' || lastname) LIKE ?1 || '%' OR companyname LIKE ?1 || '%')"
                    .replacingOccurrences(of: "?1", with: "?\(arguments.count + 1)")
            )
            arguments.append(search)
        }
        if let status = params.nonEmpty("status") {
            conditions.append("status = ?\(arguments.count + 1)")
            arguments.append(status)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let orderColumns = ["id", "firstname", "lastname", "companyname", "email", "groupid", "datecreated", "status"]
        let orderBy = params.nonEmpty("orderby").flatMap { orderColumns.contains($0) ? $0 : nil } ?? "id"
        let direction = params.string("sorting")?.uppercased() == "DESC" ? "DESC" : "ASC"
        let (start, size) = paging
        let total =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM whmcs_clients \(filter)", arguments: StatementArguments(arguments)) ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM whmcs_clients \(filter) ORDER BY \(orderBy) \(direction) LIMIT \(size) OFFSET \(start)",
            arguments: StatementArguments(arguments)
        )
        let items: [JSONValue] = rows.map { row in
            [
                "id": Self.id(row["id"]), "firstname": .string(row["firstname"]), "lastname": .string(row["lastname"]),
                "companyname": .string(row["companyname"]), "email": .string(row["email"]),
                "datecreated": .string(row["datecreated"]), "groupid": Self.id(row["groupid"]),
                "status": .string(row["status"]),
            ]
        }
        return Self.page("clients", "client", items: items, total: total, start: start)
    }

    func updateClient() throws -> JSONValue {
        let id = params.int("clientid")
        let email = params.nonEmpty("clientemail")
        guard let row = try clientRow(id: id, email: id == nil ? email : nil) else {
            throw WHMCSFailure("Client ID Not Found")
        }
        let clientID: Int = row["id"]
        if let newEmail = params.nonEmpty("email") {
            guard Self.isEmail(newEmail) else { throw WHMCSFailure("The email address entered is not valid") }
            if try Int.fetchOne(
                db, sql: "SELECT id FROM whmcs_clients WHERE email = ? AND id != ?", arguments: [newEmail, clientID])
                != nil
            {
                throw WHMCSFailure("Duplicate Email Address")
            }
        }
        if let status = params.nonEmpty("status"), !["Active", "Inactive", "Closed"].contains(status) {
            throw WHMCSFailure("Invalid status. Must be one of Active, Inactive, Closed")
        }
        if let group = params.int("groupid"), group != 0,
            try Int.fetchOne(db, sql: "SELECT id FROM whmcs_client_groups WHERE id = ?", arguments: [group]) == nil
        {
            throw WHMCSFailure("Invalid Client Group ID")
        }
        let columns = [
            "firstname", "lastname", "companyname", "email", "address1", "address2", "city", "state", "postcode",
            "country", "phonenumber", "groupid", "language", "notes", "status", "tax_id",
        ]
        for column in columns {
            guard let value = params.string(column) else { continue }
            try db.execute(sql: "UPDATE whmcs_clients SET \(column) = ? WHERE id = ?", arguments: [value, clientID])
        }
        if params.value("customfields") != nil {
            var fields = Self.decodeJSON(row["customfields"])
            fields.merge(try customFields()) { _, new in new }
            try db.execute(
                sql: "UPDATE whmcs_clients SET customfields = ? WHERE id = ?",
                arguments: [Self.encodeJSON(fields), clientID])
        }
        return ["clientid": Self.id(clientID)]
    }

    func getClientGroups() throws -> JSONValue {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM whmcs_client_groups ORDER BY id")
        let groups: [JSONValue] = rows.map { row in
            [
                "id": Self.id(row["id"]), "groupname": .string(row["groupname"]),
                "groupcolour": .string(row["groupcolour"]),
                "discountpercent": .string(row["discountpercent"]), "susptermexempt": .string(row["susptermexempt"]),
                "separateinvoices": .string(row["separateinvoices"]),
            ]
        }
        var body: [String: JSONValue] = ["totalresults": .number(Double(groups.count))]
        body["groups"] = Self.list("group", groups)
        return .object(body)
    }
}
