/// Tables of the WHMCS simulator, named after the WHMCS tables they stand for.
enum WHMCSSchema {
    static let domainsSQL = """
        CREATE TABLE whmcs_domains (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            userid INTEGER NOT NULL REFERENCES whmcs_clients(id),
            orderid INTEGER NOT NULL REFERENCES whmcs_orders(id),
            type TEXT NOT NULL,
            domain TEXT NOT NULL,
            registrar TEXT NOT NULL DEFAULT 'sandbox',
            registrationperiod INTEGER NOT NULL DEFAULT 1,
            firstpaymentamount INTEGER NOT NULL,
            recurringamount INTEGER NOT NULL,
            paymentmethod TEXT NOT NULL,
            registrationdate TEXT NOT NULL DEFAULT '0000-00-00',
            expirydate TEXT NOT NULL DEFAULT '0000-00-00',
            nextduedate TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'Pending'
        );
        """

    /// `tblemails`: what WHMCS emailed a client (read back with GetEmails), and the page a single sign-on opens.
    /// Tax on invoices, promotions, refund transactions (money out) and client tax ids.
    static let paymentsSQL = """
        ALTER TABLE whmcs_invoices ADD COLUMN tax2 INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE whmcs_invoices ADD COLUMN taxrate TEXT NOT NULL DEFAULT '0.00';
        ALTER TABLE whmcs_invoices ADD COLUMN taxrate2 TEXT NOT NULL DEFAULT '0.00';
        ALTER TABLE whmcs_transactions ADD COLUMN amountout INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE whmcs_transactions ADD COLUMN description TEXT NOT NULL DEFAULT '';
        ALTER TABLE whmcs_clients ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE whmcs_services ADD COLUMN promoid INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE whmcs_promotions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            code TEXT NOT NULL UNIQUE COLLATE NOCASE,
            type TEXT NOT NULL,
            recurring INTEGER NOT NULL DEFAULT 0,
            value TEXT NOT NULL,
            cycles TEXT NOT NULL DEFAULT '',
            appliesto TEXT NOT NULL DEFAULT '',
            startdate TEXT NOT NULL DEFAULT '0000-00-00',
            expirationdate TEXT NOT NULL DEFAULT '0000-00-00',
            maxuses INTEGER NOT NULL DEFAULT 0,
            uses INTEGER NOT NULL DEFAULT 0
        );
        """

    static let emailsSQL = """
        CREATE TABLE whmcs_emails (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            userid INTEGER NOT NULL,
            subject TEXT NOT NULL,
            message TEXT NOT NULL,
            date TEXT NOT NULL,
            "to" TEXT NOT NULL
        );
        ALTER TABLE whmcs_sso_tokens ADD COLUMN redirect_path TEXT NOT NULL DEFAULT '';
        """

    static let sql = """
        CREATE TABLE whmcs_api_credentials (
            identifier TEXT PRIMARY KEY,
            secret TEXT NOT NULL,
            -- The API role: a comma list of lower-case actions allowed, or NULL for all.
            allowed_actions TEXT
        );
        CREATE TABLE whmcs_client_groups (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            groupname TEXT NOT NULL,
            groupcolour TEXT NOT NULL DEFAULT '#ffffff',
            discountpercent TEXT NOT NULL DEFAULT '0.00',
            susptermexempt TEXT NOT NULL DEFAULT '',
            separateinvoices TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE whmcs_clients (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uuid TEXT NOT NULL,
            firstname TEXT NOT NULL,
            lastname TEXT NOT NULL,
            companyname TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            address1 TEXT NOT NULL,
            address2 TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL,
            state TEXT NOT NULL,
            postcode TEXT NOT NULL,
            country TEXT NOT NULL,
            phonenumber TEXT NOT NULL,
            groupid INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'Active',
            language TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            customfields TEXT NOT NULL DEFAULT '{}',
            datecreated TEXT NOT NULL
        );
        CREATE TABLE whmcs_product_groups (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL
        );
        CREATE TABLE whmcs_products (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            gid INTEGER NOT NULL REFERENCES whmcs_product_groups(id),
            type TEXT NOT NULL,
            name TEXT NOT NULL,
            slug TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            module TEXT NOT NULL DEFAULT '',
            paytype TEXT NOT NULL,
            pricing TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE whmcs_orders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ordernum TEXT NOT NULL,
            userid INTEGER NOT NULL REFERENCES whmcs_clients(id),
            date TEXT NOT NULL,
            nameservers TEXT NOT NULL DEFAULT '',
            promocode TEXT NOT NULL DEFAULT '',
            amount INTEGER NOT NULL,
            paymentmethod TEXT NOT NULL,
            invoiceid INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'Pending',
            ipaddress TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE whmcs_services (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            userid INTEGER NOT NULL REFERENCES whmcs_clients(id),
            orderid INTEGER NOT NULL REFERENCES whmcs_orders(id),
            packageid INTEGER NOT NULL REFERENCES whmcs_products(id),
            regdate TEXT NOT NULL,
            domain TEXT NOT NULL DEFAULT '',
            paymentmethod TEXT NOT NULL,
            firstpaymentamount INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            billingcycle TEXT NOT NULL,
            nextduedate TEXT NOT NULL,
            domainstatus TEXT NOT NULL DEFAULT 'Pending',
            username TEXT NOT NULL DEFAULT '',
            suspendreason TEXT NOT NULL DEFAULT '',
            ns1 TEXT NOT NULL DEFAULT '',
            ns2 TEXT NOT NULL DEFAULT '',
            configoptions TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE whmcs_invoices (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            userid INTEGER NOT NULL REFERENCES whmcs_clients(id),
            date TEXT NOT NULL,
            duedate TEXT NOT NULL,
            datepaid TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
            subtotal INTEGER NOT NULL,
            tax INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'Unpaid',
            paymentmethod TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE whmcs_invoice_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            invoiceid INTEGER NOT NULL REFERENCES whmcs_invoices(id),
            type TEXT NOT NULL,
            relid INTEGER NOT NULL,
            description TEXT NOT NULL,
            amount INTEGER NOT NULL,
            taxed INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE whmcs_transactions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            invoiceid INTEGER NOT NULL REFERENCES whmcs_invoices(id),
            userid INTEGER NOT NULL,
            transid TEXT NOT NULL,
            gateway TEXT NOT NULL,
            date TEXT NOT NULL,
            amountin INTEGER NOT NULL,
            fees INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE whmcs_departments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL
        );
        CREATE TABLE whmcs_tickets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            tid TEXT NOT NULL UNIQUE,
            c TEXT NOT NULL,
            did INTEGER NOT NULL REFERENCES whmcs_departments(id),
            userid INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            date TEXT NOT NULL,
            title TEXT NOT NULL,
            message TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'Open',
            urgency TEXT NOT NULL DEFAULT 'Medium',
            lastreply TEXT NOT NULL,
            serviceid INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE whmcs_ticket_replies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            tid INTEGER NOT NULL REFERENCES whmcs_tickets(id),
            userid INTEGER NOT NULL DEFAULT 0,
            admin TEXT NOT NULL DEFAULT '',
            date TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE TABLE whmcs_sso_tokens (
            token TEXT PRIMARY KEY,
            client_id INTEGER NOT NULL,
            destination TEXT NOT NULL,
            expires_at REAL NOT NULL,
            used INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO whmcs_product_groups (name) VALUES ('Hosting');
        INSERT INTO whmcs_departments (name) VALUES ('Support'), ('Billing');
        """
}
