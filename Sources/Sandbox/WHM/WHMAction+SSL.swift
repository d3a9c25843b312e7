import Foundation
import GRDB

/// Files saved through cPanel (UAPI `Fileman::save_file_content`, called through WHM's `cpanel` function) and
/// certificates installed with `installssl`.
///
/// Choices where the contract is open: `installssl` takes `domain`, `crt`, `key` and `cab` (WHM API 1's names; a
/// `cabundle` argument is ignored, as WHM ignores it),
/// accepts a domain that is an account's main domain or its `www.` name, and refuses a certificate that is not PEM;
/// a reseller may install only on accounts it owns. `save_file_content` takes `dir` (relative to the account's home),
/// `file` and `content`, and refuses paths that climb out with `..`.
extension WHMAction {
    static let filesSQL = """
        CREATE TABLE whm_files (
            user TEXT NOT NULL,
            path TEXT NOT NULL,
            content TEXT NOT NULL,
            PRIMARY KEY (user, path)
        );
        CREATE TABLE whm_ssl (
            domain TEXT PRIMARY KEY COLLATE NOCASE,
            user TEXT NOT NULL,
            crt TEXT NOT NULL,
            key TEXT NOT NULL,
            cabundle TEXT NOT NULL,
            installed INTEGER NOT NULL
        );
        """

    /// `installssl`: the certificate serves `domain` from now on.
    func installSSL() throws -> (String, JSONValue?, String?) {
        let domain = try args.required("domain").lowercased()
        let certificate = try args.required("crt")
        let key = try args.required("key")
        let bare = domain.hasPrefix("www.") ? String(domain.dropFirst(4)) : domain
        guard
            let user = try String.fetchOne(db, sql: "SELECT user FROM whm_accounts WHERE domain = ?", arguments: [bare])
        else {
            throw WHMFailure("No account has the domain “\(domain)”.")
        }
        _ = try ownedAccountRow(user)
        guard certificate.contains("-----BEGIN CERTIFICATE-----"), key.contains("PRIVATE KEY-----") else {
            throw WHMFailure("The certificate or key is not in PEM format.")
        }
        try db.execute(
            sql: """
                INSERT INTO whm_ssl (domain, user, crt, key, cabundle, installed) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(domain) DO UPDATE SET user = excluded.user, crt = excluded.crt, key = excluded.key,
                    cabundle = excluded.cabundle, installed = excluded.installed
                """,
            arguments: [bare, user, certificate, key, args.first("cab") ?? "", Int(now.timeIntervalSince1970)]
        )
        return (
            "OK", ["status": 1, "statusmsg": .string("The SSL certificate is now installed onto domain “\(bare)”.")],
            nil
        )
    }

    /// The UAPI call WHM's `cpanel` function carries, answered as UAPI does: `{status, data, errors, messages}`.
    func uapi() throws -> JSONValue {
        let user = try args.required("cpanel_jsonapi_user")
        _ = try ownedAccountRow(user)
        let call = "\(args.first("cpanel_jsonapi_module") ?? "")::\(args.first("cpanel_jsonapi_func") ?? "")"
        guard call == "Fileman::save_file_content" else {
            return [
                "status": 0, "data": .null, "errors": .array([.string("Unknown function \(call)")]), "messages": .null,
            ]
        }
        let directory = (args.first("dir") ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let file = args.first("file") ?? ""
        let path = directory.isEmpty ? file : directory + "/" + file
        guard !file.isEmpty, !file.contains("/"), !path.split(separator: "/").contains("..") else {
            return ["status": 0, "data": .null, "errors": .array([.string("Invalid path")]), "messages": .null]
        }
        try db.execute(
            sql:
                "INSERT INTO whm_files (user, path, content) VALUES (?, ?, ?) ON CONFLICT(user, path) DO UPDATE SET content = excluded.content",
            arguments: [user, path, args.first("content") ?? ""]
        )
        return ["status": 1, "data": ["path": .string("/home/\(user)/\(path)")], "errors": .null, "messages": .null]
    }
}
