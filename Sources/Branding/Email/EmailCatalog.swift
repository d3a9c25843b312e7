/// A value given to an email template: text, or a list of rows (order lines).
package enum EmailValue: Sendable, Equatable {
    case text(String)
    case list([[String: String]])

    /// The form the template engine reads.
    var renderable: Any {
        switch self {
        case .text(let text): text
        case .list(let rows): rows
        }
    }
}

/// One documented variable of a template, with the sample value previews use.
package struct EmailVariable: Sendable, Equatable {
    package let name: String
    package let description: String
    package let sample: EmailValue
    /// For a list: the fields of each row.
    package let fields: [String]

    package init(_ name: String, _ description: String, sample: String) {
        self.name = name
        self.description = description
        self.sample = .text(sample)
        fields = []
    }

    package init(list name: String, _ description: String, fields: [String], sample: [[String: String]]) {
        self.name = name
        self.description = description
        self.sample = .list(sample)
        self.fields = fields
    }
}

/// The emails the product sends, each with its documented variables. Defaults live in `assets/email`.
package struct EmailKind: Sendable, Equatable {
    package let name: String
    package let title: String
    package let purpose: String
    package let variables: [EmailVariable]

    /// Security emails: they carry one-time links to an account (or tell of a change to one). Only owners may edit
    /// them and the layout around them, and their `{{link}}` may stand only where it cannot leak: see
    /// `EmailTemplateValidator`.
    package static let securityNames: Set<String> = [
        "password_reset", "password_changed", "staff_invitation", "email_verification", "email_change_confirm",
        "email_change_notice", "account_exists",
    ]

    package var isSecurity: Bool { Self.securityNames.contains(name) }

    /// The words on a security email's button. Its address is the link the portal built on the brand's primary
    /// domain; a template only says where the button goes, with `{{link}}` standing on its own.
    package var buttonLabel: String {
        switch name {
        case "password_reset": "Choose a new password"
        case "staff_invitation": "Set up your account"
        case "email_verification": "Confirm my email address"
        case "email_change_confirm": "Confirm my new address"
        case "account_exists": "Reset my password"
        default: "Open \(title.lowercased())"
        }
    }

    /// Whether the template named `name` (an email or the layout) is a security template.
    package static func isSecurityTemplate(_ name: String) -> Bool {
        name == layoutName || securityNames.contains(name)
    }

    /// Variables every email (and the layout) can use.
    package static let common: [EmailVariable] = [
        EmailVariable("brand.name", "Your brand's name", sample: "Acme Hosting"),
        EmailVariable("brand.company", "Company name", sample: "Acme Hosting Ltd"),
        EmailVariable("brand.support_email", "Support email address", sample: "support@acme.example"),
        EmailVariable("brand.support_phone", "Support phone number", sample: "+44 20 7946 0123"),
        EmailVariable("brand.address", "Postal address, one line per line", sample: "1 Example Street\nLondon"),
        EmailVariable("brand.site_url", "Your storefront's address", sample: "https://portal.acme.example"),
        EmailVariable("recipient.name", "The person the email is for", sample: "Ada Lovelace"),
        EmailVariable("recipient.email", "Their email address", sample: "ada@example.com"),
    ]

    /// Variables only the layout can use, besides the common ones; `body` is where each email's content goes.
    package static let layoutVariables: [EmailVariable] = [
        EmailVariable("body", "Where each email's own content goes (required)", sample: ""),
        EmailVariable("subject", "The email's subject", sample: "Confirm your email address"),
        EmailVariable(
            "brand.logo_url", "Your logo's address (empty when there is none)",
            sample: "https://portal.acme.example/brand/logo/logo.png"),
        EmailVariable("colors.primary", "Primary colour", sample: "#1f4fd1"),
        EmailVariable("colors.primary_text", "Text colour on the primary colour", sample: "#ffffff"),
        EmailVariable("colors.background", "Background colour", sample: "#ffffff"),
        EmailVariable("colors.text", "Text colour", sample: "#1b1f24"),
        EmailVariable("colors.link", "Link colour", sample: "#1f4fd1"),
    ]

    package static let layoutName = "layout"

    package static func named(_ name: String) -> EmailKind? { all.first { $0.name == name } }

    package static let emailVerification = EmailKind(
        name: "email_verification", title: "Email verification and welcome",
        purpose: "Sent when a customer signs up; the link confirms their address.",
        variables: [
            EmailVariable(
                "link", "One-time confirmation link (30 minutes)",
                sample: "https://portal.acme.example/verify-email?token=…")
        ]
    )
    package static let accountExists = EmailKind(
        name: "account_exists", title: "Sign-up with an address that already has an account",
        purpose: "Sent instead of a second account, so nobody learns which addresses are registered.",
        variables: [
            EmailVariable("link", "The password reset page", sample: "https://portal.acme.example/forgot-password")
        ]
    )
    package static let passwordReset = EmailKind(
        name: "password_reset", title: "Password reset",
        purpose: "Sent when someone asks to reset a password.",
        variables: [
            EmailVariable(
                "link", "One-time reset link (30 minutes)", sample: "https://portal.acme.example/reset-password?token=…"
            )
        ]
    )
    package static let passwordChanged = EmailKind(
        name: "password_changed", title: "Password changed",
        purpose: "A security notice after a password change.",
        variables: []
    )
    package static let emailChangeConfirm = EmailKind(
        name: "email_change_confirm", title: "Confirm a new email address",
        purpose: "Sent to the new address when someone changes theirs.",
        variables: [
            EmailVariable(
                "link", "One-time confirmation link (30 minutes)",
                sample: "https://portal.acme.example/confirm-email?token=…"),
            EmailVariable("new_email", "The new address", sample: "ada@new.example"),
        ]
    )
    package static let emailChangeNotice = EmailKind(
        name: "email_change_notice", title: "Email address being changed",
        purpose: "A security notice to the old address.",
        variables: [EmailVariable("new_email", "The new address", sample: "ada@new.example")]
    )
    package static let staffInvitation = EmailKind(
        name: "staff_invitation", title: "Staff invitation",
        purpose: "Sent when an owner invites a staff member.",
        variables: [
            EmailVariable("inviter", "Who sent the invitation", sample: "Grace Hopper"),
            EmailVariable("role", "The role offered: owner, admin or support", sample: "support"),
            EmailVariable(
                "link", "One-time set-up link (30 minutes)",
                sample: "https://portal.acme.example/admin/accept-invite?token=…"),
        ]
    )
    package static let orderConfirmation = EmailKind(
        name: "order_confirmation", title: "Order confirmation",
        purpose: "Sent when an order is placed.",
        variables: [
            EmailVariable("order.number", "Order number", sample: "1048"),
            EmailVariable(
                list: "order.items", "The order's lines", fields: ["name", "price"],
                sample: [
                    ["name": "Starter Web (annually)", "price": "£49.90"],
                    ["name": "example.com registration", "price": "£9.99"],
                ]),
            EmailVariable("order.total", "Order total", sample: "£59.89"),
            EmailVariable(
                "link", "The order in the customer area", sample: "https://portal.acme.example/account/orders/1048"),
        ]
    )
    package static let serviceActivated = EmailKind(
        name: "service_activated", title: "Service activated",
        purpose: "Sent when hosting is ready. Links to the credentials; never contains a password.",
        variables: [
            EmailVariable("service.name", "Product name", sample: "Starter Web"),
            EmailVariable("service.domain", "Domain", sample: "example.com"),
            EmailVariable(
                "nameservers", "The nameservers to set, one per line", sample: "ns1.acme.example\nns2.acme.example"),
            EmailVariable(
                "link", "Where the customer sees the credentials",
                sample: "https://portal.acme.example/account/services/12"),
        ]
    )
    package static let invoiceCreated = EmailKind(
        name: "invoice_created", title: "Invoice created",
        purpose: "Sent when an invoice is issued.",
        variables: [
            EmailVariable("invoice.number", "Invoice number", sample: "2231"),
            EmailVariable("invoice.total", "Amount due", sample: "£59.89"),
            EmailVariable("invoice.due_date", "Due date", sample: "3 December 2026"),
            EmailVariable(
                "link", "The invoice in the customer area", sample: "https://portal.acme.example/account/invoices/2231"),
        ]
    )
    package static let paymentReceived = EmailKind(
        name: "payment_received", title: "Payment received",
        purpose: "Sent when a payment is recorded.",
        variables: [
            EmailVariable("invoice.number", "Invoice number", sample: "2231"),
            EmailVariable("payment.amount", "Amount paid", sample: "£59.89"),
            EmailVariable("payment.date", "Date paid", sample: "26 November 2026"),
            EmailVariable(
                "link", "The invoice in the customer area", sample: "https://portal.acme.example/account/invoices/2231"),
        ]
    )
    package static let paymentRefunded = EmailKind(
        name: "payment_refunded", title: "Payment refunded",
        purpose: "Sent when staff refund all or part of a card payment.",
        variables: [
            EmailVariable("invoice.number", "Invoice number", sample: "2231"),
            EmailVariable("refund.amount", "Amount refunded", sample: "£20.00"),
            EmailVariable("refund.reason", "Why, as staff wrote it (may be empty)", sample: "Cancelled within 14 days"),
            EmailVariable("refund.full", "Whether the whole payment was refunded", sample: "yes"),
            EmailVariable(
                "link", "The invoice in the customer area", sample: "https://portal.acme.example/account/invoices/2231"),
        ]
    )
    package static let renewalReminder = EmailKind(
        name: "renewal_reminder", title: "Renewal reminder",
        purpose: "Sent before a service or domain renews.",
        variables: [
            EmailVariable("service.name", "Product name", sample: "Starter Web"),
            EmailVariable("service.domain", "Domain", sample: "example.com"),
            EmailVariable("renewal.date", "Renewal date", sample: "1 January 2027"),
            EmailVariable("renewal.amount", "Renewal price", sample: "£49.90"),
            EmailVariable(
                "link", "The service in the customer area", sample: "https://portal.acme.example/account/services/12"),
        ]
    )
    package static let invoiceOverdue = EmailKind(
        name: "invoice_overdue", title: "Overdue invoice",
        purpose: "Sent when an invoice is past its due date.",
        variables: [
            EmailVariable("invoice.number", "Invoice number", sample: "2231"),
            EmailVariable("invoice.total", "Amount due", sample: "£59.89"),
            EmailVariable("invoice.due_date", "Due date", sample: "3 December 2026"),
            EmailVariable("days_overdue", "Days past due", sample: "5"),
            EmailVariable(
                "link", "The invoice in the customer area", sample: "https://portal.acme.example/account/invoices/2231"),
        ]
    )
    package static let ticketReply = EmailKind(
        name: "ticket_reply", title: "Ticket reply",
        purpose: "Sent when support answers a ticket.",
        variables: [
            EmailVariable("ticket.number", "Ticket number", sample: "482913"),
            EmailVariable("ticket.subject", "Ticket subject", sample: "Site is down"),
            EmailVariable(
                "reply.excerpt", "The start of the reply",
                sample: "We have restarted the web server and your site is back."),
            EmailVariable(
                "link", "The ticket in the customer area", sample: "https://portal.acme.example/account/tickets/482913"),
        ]
    )
    package static let certificateIssued = EmailKind(
        name: "certificate_issued", title: "Certificate issued",
        purpose: "Sent when an SSL certificate is issued.",
        variables: [
            EmailVariable("certificate.domain", "Domain", sample: "example.com"),
            EmailVariable("certificate.expires", "Expiry date", sample: "26 November 2027"),
            EmailVariable("link", "Where to download it", sample: "https://portal.acme.example/account/certificates/7"),
        ]
    )
    package static let domainRegistered = EmailKind(
        name: "domain_registered", title: "Domain registered or transferred",
        purpose: "Sent when a domain name is registered for a customer, or its transfer to the brand completes.",
        variables: [
            EmailVariable("domain.name", "Domain", sample: "example.com"),
            EmailVariable("domain.event", "What happened", sample: "registered"),
            EmailVariable("domain.expires", "Registered until", sample: "26 November 2027"),
            EmailVariable("nameservers", "Nameservers, one per line", sample: "ns1.acme.example\nns2.acme.example"),
            EmailVariable(
                "link", "The domain in the customer area",
                sample: "https://portal.acme.example/account/domains/example.com"),
        ]
    )
    package static let cancellationConfirmed = EmailKind(
        name: "cancellation_confirmed", title: "Cancellation confirmed",
        purpose: "Sent when a customer's cancellation of a service has been carried out.",
        variables: [
            EmailVariable("service.name", "Plan", sample: "Business Hosting"),
            EmailVariable("service.domain", "Domain", sample: "example.com"),
            EmailVariable("cancel.when", "When it ends", sample: "at the end of its current term"),
            EmailVariable(
                "link", "The service in the customer area", sample: "https://portal.acme.example/account/services/12"),
        ]
    )

    package static let staffAlert = EmailKind(
        name: "staff_alert", title: "Alert for owners and admins",
        purpose:
            "Sent to the brand's owners and admins, once, when something needs them: an order parked for staff, a failed renewal, a relay refusing mail, an upstream unreachable for 15 minutes.",
        variables: [
            EmailVariable("alert.title", "What happened", sample: "Order 1042 is waiting for staff"),
            EmailVariable(
                "alert.detail", "The detail, and what to do",
                sample: "WHMCS refused the order: the product is not available. Retry or cancel it in the staff area."),
            EmailVariable("link", "Where to act in the staff area", sample: "https://portal.acme.example/admin/orders"),
        ]
    )

    package static let all: [EmailKind] = [
        emailVerification, accountExists, passwordReset, passwordChanged, emailChangeConfirm, emailChangeNotice,
        staffInvitation, orderConfirmation, serviceActivated, invoiceCreated, paymentReceived, paymentRefunded,
        renewalReminder,
        invoiceOverdue, ticketReply, certificateIssued, cancellationConfirmed, domainRegistered, staffAlert,
    ]
}
