import Foundation
import Tenancy

/// The owner's management of a brand's staff: invitations, roles, removal, second factors and the two-factor
/// policy. Every change is audited; a change that would leave the brand without an owner is refused.
package struct StaffRoster: Sendable {
    package enum Outcome: Sendable, Equatable {
        case done
        /// Nothing was changed; the reason, for the staff page.
        case refused(String)
    }

    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm

    package func staff(of tenant: Tenant) async throws -> (members: [Account], twoFactorRequired: Bool) {
        try await realm(tenant).withAccounts { store in
            (try await store.staff(), try await store.setting(StaffTwoFactorPolicy.key) != "off")
        }
    }

    /// Invites `email` as `role`: the account, its set-up link, the invitation email and the audit entry commit
    /// together.
    package func invite(
        _ email: String, as role: Account.Role, by owner: Account, in tenant: Tenant, ip: String
    ) async throws -> Outcome {
        let realm = realm(tenant)
        let (link, token) = flows.oneTimeLink(.invite, path: SignInPaths.staff.acceptInvite.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: email, name: "", .staffInvitation,
            variables: ["inviter": owner.name, "role": role.rawValue, "link": link], tag: "staff_invite"
        )
        let now = flows.services.now()
        do {
            try await realm.withAccounts { store in
                try await flows.commit(store, realm: realm) { db in
                    let invited = try AccountStore.insertAccount(
                        db, kind: .staff, email: email, name: email, company: "", passwordHash: nil, role: role,
                        emailVerifiedAt: nil, now: now
                    )
                    try AccountStore.insertToken(db, token(invited.id))
                    try AccountStore.insertMail(db, mail, now: now)
                    try AccountStore.appendAudit(
                        db, "staff.invited", actor: owner, target: email, detail: role.rawValue, ip: ip, now: now)
                }
            }
        } catch AccountError.emailTaken {
            return .refused("This address is already on your staff.")
        }
        return .done
    }

    /// A privilege change: the member signs in again with a new session.
    package func changeRole(
        of id: Account.ID, to role: Account.Role, by owner: Account, in tenant: Tenant, ip: String
    ) async throws -> Outcome {
        try await ownerChange(tenant) { store in
            let changed = try await store.setRole(role, for: id)
            try await store.deleteSessions(of: id)
            try await store.audit(
                "staff.role_changed", actor: owner, target: changed.email, detail: role.rawValue, ip: ip)
        }
    }

    package func remove(_ id: Account.ID, by owner: Account, in tenant: Tenant, ip: String) async throws -> Outcome {
        try await ownerChange(tenant) { store in
            let removed = try await store.removeStaff(id)
            try await store.audit("staff.removed", actor: owner, target: removed.email, ip: ip)
        }
    }

    /// Clears a staff member's second factor (a lost phone) and their sessions; they set it up again.
    package func resetTwoFactor(of id: Account.ID, by owner: Account, in tenant: Tenant, ip: String) async throws {
        try await realm(tenant).withAccounts { store in
            guard let member = try await store.account(id), member.kind == .staff else { throw PortalError.notFound }
            try await store.disableTOTP(for: id)
            try await store.deleteSessions(of: id)
            try await store.audit("2fa.reset_by_owner", actor: owner, target: member.email, ip: ip)
        }
    }

    package func setTwoFactorRequired(_ required: Bool, by owner: Account, in tenant: Tenant, ip: String) async throws {
        try await realm(tenant).withAccounts { store in
            try await store.setSetting(StaffTwoFactorPolicy.key, to: required ? "on" : "off")
            try await store.audit(
                "2fa.staff_policy", actor: owner, detail: required ? "required" : "optional", ip: ip)
        }
    }

    private func ownerChange(_ tenant: Tenant, _ change: (AccountStore) async throws -> Void) async throws -> Outcome {
        do {
            try await realm(tenant).withAccounts { try await change($0) }
            return .done
        } catch AccountError.notFound {
            throw PortalError.notFound
        } catch AccountError.lastOwner {
            return .refused(AccountError.lastOwner.description)
        }
    }
}
