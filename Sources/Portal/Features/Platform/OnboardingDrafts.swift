import Foundation
import Integrations
import Tenancy

/// The onboarding wizard's drafts: kept in memory only (they hold upstream secrets until the brand is created),
/// each bound to the platform user who started it, for an hour after its last change.
package actor OnboardingDrafts {
    package enum Step: Int, CaseIterable, Sendable, Comparable {
        case brand = 1, domains, owner, connection, mapping, review

        package static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }

        package var path: String {
            switch self {
            case .brand: "brand"
            case .domains: "domains"
            case .owner: "owner"
            case .connection: "connection"
            case .mapping: "mapping"
            case .review: "review"
            }
        }

        package init?(path: String) {
            guard let step = Self.allCases.first(where: { $0.path == path }) else { return nil }
            self = step
        }

        package var label: String {
            switch self {
            case .brand: "Brand"
            case .domains: "Domains"
            case .owner: "Owner"
            case .connection: "Sandbox or live"
            case .mapping: "Upstream mapping"
            case .review: "Review"
            }
        }

        package var next: Step { Step(rawValue: rawValue + 1) ?? .review }
    }

    package struct Draft: Sendable {
        package let owner: Account.ID
        package var plan = OnboardingPlan()
        /// The client groups WHMCS listed at the connection step.
        package var groups: [WHMCSClientGroup] = []
        /// The furthest step whose predecessors all passed.
        package var reached: Step = .brand
        var touched: Date
        /// Set while its brand is being created, so a second click cannot run a second creation beside it.
        var creating = false
    }

    private var drafts: [String: Draft] = [:]
    private let lifetime: TimeInterval
    private let capacity: Int
    private let now: @Sendable () -> Date

    package init(lifetime: TimeInterval = 3600, capacity: Int = 200, now: @escaping @Sendable () -> Date = { Date() }) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.now = now
    }

    /// A new draft for `owner`; the oldest drafts make room when the store is full.
    package func start(owner: Account.ID, plan: OnboardingPlan) -> String {
        expire()
        while drafts.count >= capacity, let oldest = drafts.min(by: { $0.value.touched < $1.value.touched })?.key {
            drafts[oldest] = nil
        }
        let id = SecureToken.generate()
        drafts[id] = Draft(owner: owner, plan: plan, reached: .domains, touched: now())
        return id
    }

    /// The draft, only for the user who started it and only while it lives.
    package func draft(_ id: String, owner: Account.ID) -> Draft? {
        expire()
        guard let draft = drafts[id], draft.owner == owner else { return nil }
        return draft
    }

    package func save(_ id: String, _ draft: Draft) {
        guard drafts[id]?.owner == draft.owner else { return }
        var draft = draft
        draft.touched = now()
        drafts[id] = draft
    }

    /// Marks the draft as being created; false when it already is (or is not this user's).
    package func beginCreating(_ id: String, owner: Account.ID) -> Bool {
        guard var draft = drafts[id], draft.owner == owner, !draft.creating else { return false }
        draft.creating = true
        drafts[id] = draft
        return true
    }

    /// The creation failed: the draft may be tried again.
    package func endCreating(_ id: String) {
        drafts[id]?.creating = false
    }

    package func finish(_ id: String) {
        drafts[id] = nil
    }

    private func expire() {
        let cutoff = now().addingTimeInterval(-lifetime)
        drafts = drafts.filter { $0.value.touched > cutoff }
    }
}
