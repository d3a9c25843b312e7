import Foundation
import Tenancy

/// Signing in, asking for a password-reset link and using a reset or invitation link, for any realm and kind of
/// account: the rules (throttles, one answer for unknown addresses, links used up only by a valid form), without
/// HTTP.
struct SignInDesk: Sendable {
    let flows: AccountFlows

    /// What a sign-in attempt came to.
    enum SignIn: Equatable {
        /// Too many attempts from this client or for this address; try again after this many seconds.
        case throttled(seconds: Int)
        /// Unknown address or wrong password (the same answer for both).
        case refused
        /// A fresh session: its cookie, and whether a second factor must still be proven.
        case signedIn(cookie: String, secondFactorPending: Bool)
    }

    /// Checks the password and starts a new session, ending the client's previous one (`replacing`, its token).
    func signIn(
        _ kind: Account.Kind, email rawEmail: String, password: String, replacing previous: String?,
        userAgent: String, origin: RequestOrigin, in realm: any AccountRealm
    ) async throws -> SignIn {
        let now = flows.services.now()
        let email =
            EmailAddress.normalize(rawEmail) ?? rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let attempt = LoginThrottle.Attempt(
            scope: realm.throttleScope, account: "\(kind):\(email)", address: ClientKey.forAddress(origin.clientAddress)
        )
        if let wait = flows.ipRetryAfter(realm, origin: origin) {
            PortalMetrics.loginThrottled()
            return .throttled(seconds: wait)
        }
        let backOff = flows.throttle.wait(for: attempt, now: now)
        if let backOff, !backOff.accountWideOnly {
            PortalMetrics.loginThrottled()
            return .throttled(seconds: backOff.seconds)
        }
        let ip = origin.clientAddress ?? ""
        return try await realm.withAccounts { store in
            let account = try await store.account(kind: kind, email: email)
            if let backOff {
                // Only the account-wide back-off is on: guesses from many addresses. Its owner, at an address a
                // session of theirs came from, still gets in; anyone else waits.
                guard let account,
                    try await store.sessionAddresses(of: account.id).contains(where: {
                        ClientKey.forAddress($0) == attempt.address
                    })
                else {
                    PortalMetrics.loginThrottled()
                    return .throttled(seconds: backOff.seconds)
                }
                flows.throttle.rememberUsual(attempt)
            }
            let verified: Bool
            do {
                verified = try await flows.services.hasher.verify(
                    password, against: account?.passwordHash, brand: realm.throttleScope)
            } catch let busy as HashQueue.Busy {
                return .throttled(seconds: busy.retryAfter)
            }
            guard let account, verified else {
                let lockedFor = flows.throttle.recordFailure(attempt, now: now)
                try await store.audit(
                    lockedFor == nil ? "login.failed" : "login.locked", actor: account, target: email,
                    detail: "\(kind)", ip: ip)
                return .refused
            }
            flows.throttle.recordSuccess(attempt)
            if let stored = account.passwordHash, flows.services.hasher.needsRehash(stored) {
                try await store.setPasswordHash(
                    try await flows.services.hasher.hash(password, brand: realm.throttleScope), for: account.id)
            }
            if let previous { try await store.deleteSession(idHash: SecureToken.hash(previous)) }
            let pending = account.hasSecondFactor
            let cookie = try await flows.startSession(
                for: account, secondFactorPending: pending, userAgent: userAgent, origin: origin, in: store)
            try await store.audit(pending ? "login.password_ok" : "login", actor: account, ip: ip)
            return .signedIn(cookie: cookie, secondFactorPending: pending)
        }
    }

    /// Sends a reset link to `email` when it has an account and has not asked too often; says nothing either way,
    /// so the answer cannot tell whether an address has an account. Nil for a malformed address.
    func requestReset(
        _ kind: Account.Kind, email rawEmail: String, resetPath: String, ip: String, in realm: any AccountRealm
    ) async throws -> String? {
        guard let email = EmailAddress.normalize(rawEmail) else { return nil }
        let now = flows.services.now()
        let overLimit =
            flows.services.limiter.hit(
                AuthLimits.resetsPerAddress, scope: realm.throttleScope, key: "reset:\(kind):\(email)", now: now)
            != nil
        guard !overLimit else { return email }
        try await realm.withAccounts { store in
            guard let account = try await store.account(kind: kind, email: email) else { return }
            let (link, token) = flows.oneTimeLink(.resetPassword, path: resetPath, realm: realm)
            let mail = try await flows.prepareMail(
                realm: realm, to: email, name: account.name, .passwordReset, variables: ["link": link],
                tag: "reset_password")
            try await flows.commit(store, realm: realm) { db in
                try AccountStore.insertToken(db, token(account.id))
                try AccountStore.insertMail(db, mail, now: now)
                try AccountStore.appendAudit(
                    db, "password.reset_requested", actor: account, target: "", detail: "", ip: ip, now: now)
            }
        }
        return email
    }

    /// The account a live reset or invitation link of this kind belongs to, or nil when the link is unknown, used,
    /// expired or for another kind of account. Reading it does not use it up.
    func linkHolder(_ token: String, purpose: AccountToken.Purpose, kind: Account.Kind, in realm: any AccountRealm)
        async throws -> Account?
    {
        try await realm.withAccounts { store in
            guard
                let stored = try await store.peekToken(
                    hash: SecureToken.hash(token), purpose: purpose, now: flows.services.now()),
                let account = try await store.account(stored.accountID), account.kind == kind
            else { return nil }
            return account
        }
    }

    /// What using a link came to.
    enum LinkUse: Equatable {
        case invalidLink
        /// The form is not acceptable; the link stays usable.
        case rejected(passwordError: String?, nameError: String?)
        case done
    }

    /// Sets the password through a reset link, or the password and name through an invitation (which also
    /// confirms the address). Ends every session of the account. The link is used up only when the form is valid.
    func useLink(
        _ token: String, purpose: AccountToken.Purpose, kind: Account.Kind, password: String, name: String,
        ip: String, in realm: any AccountRealm
    ) async throws -> LinkUse {
        guard let holder = try await linkHolder(token, purpose: purpose, kind: kind, in: realm) else {
            return .invalidLink
        }
        let invite = purpose == .invite
        let passwordError = flows.services.policy.problem(with: password, email: holder.email)
        let nameError =
            invite && (name.isEmpty || name.count > 100) ? tr("signin.reset.name_invalid") : nil
        guard passwordError == nil, nameError == nil else {
            return .rejected(passwordError: passwordError, nameError: nameError)
        }
        let hash = try await flows.services.hasher.hash(password, brand: realm.throttleScope)
        let now = flows.services.now()
        return try await realm.withAccounts { store in
            let used: AccountToken
            do {
                used = try await store.consumeToken(hash: SecureToken.hash(token), purpose: purpose, now: now)
            } catch AccountError.invalidToken {
                return .invalidLink
            }
            try await store.setPasswordHash(hash, for: used.accountID)
            try await store.deleteSessions(of: used.accountID)
            if invite {
                try await store.setName(name, for: used.accountID)
                try await store.markEmailVerified(used.accountID, newEmail: nil, now: now)
            }
            try await store.audit(invite ? "staff.invite_accepted" : "password.reset", actor: holder, ip: ip)
            return .done
        }
    }
}
