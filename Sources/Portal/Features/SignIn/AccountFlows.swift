import Branding
import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import NIOCore
import Tenancy

/// The steps every sign-in area shares: rendering, starting and ending sessions, one-time links and mail.
package struct AccountFlows: Sendable {
    let pages: PageRenderer
    let services: AccountServices
    let throttle: LoginThrottle
    /// The shipped email templates; a tenant's overrides replace them.
    let emails: EmailDefaults
    /// Wakes the delivery worker when mail is queued.
    let mailQueue: MailQueue

    func page(_ model: some Sendable, _ template: String, status: HTTPResponse.Status = .ok) throws -> Response {
        let html = try pages.render(model, template: template)
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    func redirect(to location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// Starts a fresh session (a new id every time, so a pre-login id is useless afterwards).
    /// `impersonator` starts a staff member's session as the customer `account`, for at most an hour.
    func startSession(
        for account: Account, secondFactorPending: Bool, request: Request, origin: RequestOrigin,
        in store: AccountStore, impersonator: Account.ID? = nil
    ) async throws -> String {
        try await startSession(
            for: account, secondFactorPending: secondFactorPending, userAgent: request.headers[.userAgent] ?? "",
            origin: origin, in: store, impersonator: impersonator)
    }

    func startSession(
        for account: Account, secondFactorPending: Bool, userAgent: String, origin: RequestOrigin,
        in store: AccountStore, impersonator: Account.ID? = nil
    ) async throws -> String {
        let token = SecureToken.generate()
        let now = services.now()
        try await store.createSession(
            AccountSession(
                idHash: SecureToken.hash(token),
                accountID: account.id,
                csrfToken: SecureToken.generate(),
                secondFactorPending: secondFactorPending,
                createdAt: now,
                expiresAt: now.addingTimeInterval(
                    impersonator == nil ? services.timeouts.absolute : min(3600, services.timeouts.absolute)),
                userAgent: String(userAgent.prefix(200)),
                ip: origin.clientAddress ?? "",
                impersonatorID: impersonator
            )
        )
        return SessionCookie.set(SessionCookie.session, value: token)
    }

    /// A one-time link (30 minutes) and the token row behind it, to be stored in the same transaction as the email
    /// that carries the link.
    func oneTimeLink(_ purpose: AccountToken.Purpose, path: String, newEmail: String? = nil, realm: any AccountRealm)
        -> (url: String, token: @Sendable (Account.ID) -> AccountToken)
    {
        let token = SecureToken.generate()
        let expiresAt = services.now().addingTimeInterval(services.timeouts.linkLifetime)
        let url = services.link(primaryHost: realm.linkHost, path: "\(path)?token=\(token)")
        return (
            url,
            {
                AccountToken(
                    tokenHash: SecureToken.hash(token), accountID: $0, purpose: purpose, newEmail: newEmail,
                    expiresAt: expiresAt)
            }
        )
    }

    /// An email rendered and checked, ready to be inserted with the change that causes it.
    func prepareMail(
        realm: any AccountRealm, to address: String, name: String, _ kind: EmailKind, variables: [String: String] = [:],
        tag: String
    ) async throws -> OutgoingMail {
        try await prepareMail(
            realm: realm, to: address, name: name, kind, values: variables.mapValues(EmailValue.text), tag: tag)
    }

    /// `prepareMail` with list values (an order's lines).
    func prepareMail(
        realm: any AccountRealm, to address: String, name: String, _ kind: EmailKind, values: [String: EmailValue],
        tag: String
    ) async throws -> OutgoingMail {
        let look = try await realm.emailLook(siteURL: services.link(primaryHost: realm.linkHost, path: ""))
        let recipient = MailAddress(name: name, address: address)
        let language = try await mailLanguage(realm: realm, to: address, look: look)
        let rendered = try render(kind, look: look, to: recipient, values: values, language: language)
        return try outgoing(rendered, look: look, to: recipient, kind: tag)
    }

    /// Commits `change` (which inserts `mails` itself with `AccountStore.insertMail`) as one transaction, and wakes
    /// the delivery worker. The outbox is announced first, so a crash leaves at most a spare hint.
    func commit<T: Sendable>(
        _ store: AccountStore, realm: any AccountRealm, queuesMail: Bool = true,
        _ change: @escaping @Sendable (StoreTransaction) throws -> T
    ) async throws -> T {
        if queuesMail { try await mailQueue.willQueue(realm.mailbox) }
        let result = try await store.transaction(change)
        if queuesMail { mailQueue.notify(realm.mailbox) }
        return result
    }

    /// Renders `kind` with the realm's brand and templates (its overrides, else the defaults) and queues it, for
    /// mail that goes with no change of its own (the sign-up notice to an existing account).
    func mail(
        _ store: AccountStore, realm: any AccountRealm, to address: String, name: String, _ kind: EmailKind,
        variables: [String: String] = [:], tag: String
    ) async throws {
        let look = try await realm.emailLook(siteURL: services.link(primaryHost: realm.linkHost, path: ""))
        let recipient = MailAddress(name: name, address: address)
        let language = try await mailLanguage(realm: realm, to: address, look: look)
        let rendered = try render(kind, look: look, to: recipient, variables: variables, language: language)
        try await queue(rendered, look: look, to: recipient, kind: tag, realm: realm, store: store)
    }

    /// Fixes the headers (refusing line breaks in any of them), queues the message and wakes the worker.
    func queue(
        _ rendered: RenderedEmail, look: EmailLook, to recipient: MailAddress, kind: String, realm: any AccountRealm,
        store: AccountStore
    ) async throws {
        let mail = try outgoing(rendered, look: look, to: recipient, kind: kind)
        try await mailQueue.willQueue(realm.mailbox)
        try await store.enqueueMail(mail, now: services.now())
        mailQueue.notify(realm.mailbox)
    }

    /// A rendered email as it will be queued, its headers checked.
    func outgoing(_ rendered: RenderedEmail, look: EmailLook, to person: MailAddress, kind: String) throws
        -> OutgoingMail
    {
        let recipient = MailAddress(name: MailMessage.displaySafe(person.name), address: person.address)
        var safe = EmailLook(
            facts: look.facts, overrides: look.overrides,
            sender: MailAddress(name: MailMessage.displaySafe(look.sender.name), address: look.sender.address),
            replyTo: look.replyTo, messageDomain: look.messageDomain
        )
        safe.relay = look.relay
        let look = safe
        let message = MailMessage(
            from: look.sender, to: recipient, replyTo: look.replyTo.isEmpty ? nil : MailAddress(address: look.replyTo),
            subject: rendered.subject, text: rendered.text, html: rendered.html,
            messageID: MailMessage.newMessageID(domain: look.messageDomain), date: services.now()
        )
        try message.validate()
        var mail = OutgoingMail(
            toAddress: recipient.address, toName: recipient.name, fromAddress: look.sender.address,
            fromName: look.sender.name,
            replyTo: look.replyTo, messageID: message.messageID, subject: rendered.subject, text: rendered.text,
            html: rendered.html, kind: kind
        )
        mail.relay = look.relay
        return mail
    }

    /// Renders `kind` with the realm's brand and templates in `language`, falling back to the defaults if an
    /// override fails. A brand's own templates (overrides) are used in every language.
    func render(
        _ kind: EmailKind, look: EmailLook, to recipient: MailAddress, variables: [String: String],
        language: String? = nil
    ) throws -> RenderedEmail {
        try render(kind, look: look, to: recipient, values: variables.mapValues(EmailValue.text), language: language)
    }

    func render(
        _ kind: EmailKind, look: EmailLook, to recipient: MailAddress, values: [String: EmailValue],
        language: String? = nil
    ) throws -> RenderedEmail {
        let language = language ?? look.language(saved: "")
        let localizer = pages.languages.localizer(language, fallback: look.defaultLanguage)
        let button = localizer.message("email.button.\(kind.name)") ?? kind.buttonLabel
        let person = (name: recipient.name, email: recipient.address)
        // A security email stored before today's rules, with its link somewhere it could leak, is not used: the
        // default goes out instead.
        var override = look.overrides[kind.name]
        if kind.isSecurity, let stored = override, !EmailTemplateValidator.validate(stored, for: kind).isEmpty {
            override = nil
        }
        do {
            return try EmailRenderer.render(
                kind: kind, template: override ?? emails.template(kind, in: language),
                layout: look.overrides[EmailKind.layoutName] ?? emails.layout(in: language), brand: look.facts,
                recipient: person, variables: values, buttonLabel: button
            )
        } catch {
            return try EmailRenderer.render(
                kind: kind, template: emails.template(kind, in: language), layout: emails.layout(in: language),
                brand: look.facts, recipient: person, variables: values, buttonLabel: button
            )
        }
    }

    /// Runs `body` in the language of mail to someone who saved `saved` ("" for none): prices and dates formatted in
    /// it, and mail rendered in it, follow that language. For background jobs, which have no page to take it from.
    func speaking<T: Sendable>(_ saved: String, look: EmailLook, _ body: () async throws -> T) async rethrows -> T {
        let code = look.language(saved: saved)
        return try await Localizer.$current.withValue(pages.languages.localizer(code, fallback: look.defaultLanguage)) {
            try await Localizer.$pageLanguage.withValue(code) { try await body() }
        }
    }

    /// The language of mail to `address` in `realm`: the customer's saved choice, else the page's, else the
    /// brand's default. English-only brands skip the read.
    func mailLanguage(realm: any AccountRealm, to address: String, look: EmailLook) async throws -> String {
        guard look.languages.count > 1 || look.defaultLanguage != Languages.english else { return Languages.english }
        let saved = try await realm.withAccounts { store in
            try await store.account(kind: .customer, email: address)?.language
        }
        return look.language(saved: saved ?? "")
    }

    /// How a second factor was proven, if it was.
    /// TOTP secrets are sealed with their account's id as associated data, so a sealed secret copied into another
    /// account's row does not open there. One sealed before that (without it) still opens once, and is sealed
    /// again, bound, at that moment.
    enum TOTPSealing {
        static func context(_ account: Account.ID) -> String { "totp/account:\(account.rawValue)" }

        static func seal(_ secret: [UInt8], for account: Account.ID, secrets: SecretBox) throws -> Data {
            try secrets.seal(bytes: secret, context: context(account))
        }

        static func open(_ sealed: Data, of account: Account.ID, secrets: SecretBox, store: AccountStore) async throws
            -> [UInt8]
        {
            if let secret = try? secrets.openBytes(sealed, context: context(account)) { return secret }
            let secret = try secrets.open(sealed)
            try await store.resealTOTP(try seal(secret, for: account, secrets: secrets), for: account)
            return secret
        }
    }

    enum SecondFactorResult {
        case code, recoveryCode, invalid
    }

    /// Checks an authenticator code (each time step works once) or an unused recovery code.
    func checkSecondFactor(_ input: String, for account: Account, in store: AccountStore) async throws
        -> SecondFactorResult
    {
        guard let sealed = account.totpSecret else { return .invalid }
        let digits = input.filter { !$0.isWhitespace }
        if digits.count == TOTP.digits, digits.allSatisfy(\.isNumber) {
            let secret = try await TOTPSealing.open(sealed, of: account.id, secrets: services.secrets, store: store)
            guard
                let step = TOTP.matchingStep(
                    digits, secret: secret, at: services.now(), lastUsedStep: account.totpLastStep)
            else { return .invalid }
            return try await store.acceptTOTPStep(step, for: account.id) ? .code : .invalid
        }
        let used = try await store.consumeRecoveryCode(
            hash: RecoveryCodes.hash(input), for: account.id, now: services.now()
        )
        return used ? .recoveryCode : .invalid
    }

    /// What a "current password" check (changing the password or email, turning two-factor off, new recovery codes)
    /// found. Those checks are throttled like sign-in: per address, and per account with the same back-off, so a
    /// stolen session cannot guess the password at the speed of the hasher.
    enum CurrentPassword: Equatable {
        case right
        case wrong
        case throttled(seconds: Int)
    }

    func checkCurrentPassword(
        _ password: String, of account: Account, realm: any AccountRealm, origin: RequestOrigin
    ) async -> CurrentPassword {
        let now = services.now()
        let attempt = LoginThrottle.Attempt(
            scope: realm.throttleScope, account: "current-password:\(account.id.rawValue)",
            address: ClientKey.forAddress(origin.clientAddress))
        if let wait = ipRetryAfter(realm, origin: origin) ?? throttle.retryAfter(attempt, now: now) {
            return .throttled(seconds: wait)
        }
        let verified: Bool
        do {
            verified = try await services.hasher.verify(
                password, against: account.passwordHash, brand: realm.throttleScope)
        } catch let busy as HashQueue.Busy {
            return .throttled(seconds: busy.retryAfter)
        } catch {
            return .wrong
        }
        guard verified else {
            if let wait = throttle.recordFailure(attempt, now: now) { return .throttled(seconds: wait) }
            return .wrong
        }
        throttle.recordSuccess(attempt)
        return .right
    }

    /// 429 with Retry-After when this client has made too many sign-in requests to this realm.
    func ipRetryAfter(_ realm: any AccountRealm, origin: RequestOrigin) -> Int? {
        services.limiter.hit(
            AuthLimits.authRequestsPerIP, scope: realm.throttleScope,
            key: "ip:\(ClientKey.forAddress(origin.clientAddress))",
            now: services.now()
        )
    }

    static func tooMany(_ response: Response, retryAfter: Int) -> Response {
        var response = response
        response.status = .tooManyRequests
        response.headers[.retryAfter] = String(retryAfter)
        return response
    }

    /// Only local paths are followed after sign-in, never another site.
    static func safeNext(_ raw: String, default fallback: String) -> String {
        guard raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"), raw.utf8.count < 512,
            raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return fallback }
        return raw
    }
}
