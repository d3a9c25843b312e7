import Foundation
import Tenancy

/// `/admin/orders/{id}`: one order, its pipeline steps and what staff may do with it.
package struct AdminOrderPage: Sendable {
    package struct Job: Sendable {
        package let step: String
        package let state: String
        package let attempts: Int
        package let lastError: String
        package let runAfter: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let id: Int64
    package let number: String
    package let customer: String
    package let product: String
    package let domain: String
    package let domainAction: String
    package let cycle: String
    package let total: String
    package let status: String
    package let failure: String?
    package let whmcs: String
    package let jobs: [Job]
    package let setupTask: String?
    package let canAct: Bool
    package let canRetry: Bool
    package let canCancel: Bool
    package let canCompleteSetup: Bool
}

extension AdminOrderPage {
    init(_ detail: OrderDetail, notice: Notice?, context: StaffRequestContext) {
        let order = detail.order
        let whmcs = [
            order.whmcsClientID.map { "client \($0)" }, order.whmcsOrderID.map { "order \($0)" },
            order.whmcsInvoiceID.map { "invoice \($0)" }, order.whmcsServiceID.map { "service \($0)" },
        ].compactMap { $0 }.joined(separator: ", ")
        let canAct = context.role >= .admin
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, id: order.id!.rawValue,
            number: order.number, customer: detail.customer.map { "\($0.name) <\($0.email)>" } ?? "deleted customer",
            product: order.productName, domain: order.domain, domainAction: order.domainAction?.rawValue ?? "",
            cycle: order.cycle?.rawValue ?? "",
            total: Money.format(minor: order.totalMinor, currency: order.currency), status: order.status.staffLabel,
            failure: order.failure, whmcs: whmcs.isEmpty ? "nothing yet" : whmcs,
            jobs: detail.jobs.map {
                Job(
                    step: $0.step.rawValue, state: $0.state.rawValue, attempts: $0.attempts,
                    lastError: $0.lastError ?? "", runAfter: PageDates.format($0.runAfter))
            },
            setupTask: detail.setupTask.flatMap { $0.status == "open" ? $0.description : nil },
            canAct: canAct, canRetry: canAct && order.status == .failed,
            canCancel: canAct && order.status != .active && order.status != .cancelled,
            canCompleteSetup: canAct && order.status == .needsSetup
        )
    }
}
