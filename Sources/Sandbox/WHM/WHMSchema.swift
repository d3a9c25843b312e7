/// Tables of the WHM simulator.
enum WHMSchema {
    static let sql = """
        CREATE TABLE whm_tokens (
            user TEXT NOT NULL,
            token TEXT NOT NULL,
            PRIMARY KEY (user, token)
        );
        CREATE TABLE whm_resellers (
            user TEXT PRIMARY KEY,
            nameservers TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE whm_packages (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            quota TEXT NOT NULL,
            bwlimit TEXT NOT NULL,
            maxpop TEXT NOT NULL DEFAULT 'unlimited',
            maxsql TEXT NOT NULL DEFAULT 'unlimited'
        );
        CREATE TABLE whm_accounts (
            user TEXT PRIMARY KEY,
            domain TEXT NOT NULL UNIQUE COLLATE NOCASE,
            owner TEXT NOT NULL,
            plan TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            ip TEXT NOT NULL,
            nameservers TEXT NOT NULL,
            suspended INTEGER NOT NULL DEFAULT 0,
            suspendreason TEXT,
            suspendtime INTEGER,
            unix_startdate INTEGER NOT NULL
        );
        CREATE TABLE whm_sessions (
            session TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            service TEXT NOT NULL,
            expires INTEGER NOT NULL
        );
        """
}
