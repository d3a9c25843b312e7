import Foundation
import Sandbox
import TestSupport

/// The simulators on free loopback ports for the length of `body`, through the one shared harness; the portal's
/// tests need only the sandbox and the WHMCS and WHM addresses. With `autoCapture` (the default) WHMCS charges a
/// stored card the moment an invoice is made, so orders go on without anyone paying: tests of paying turn it off.
func withSandbox<T: Sendable>(
    now: @escaping @Sendable () -> Date = { Date() }, autoCapture: Bool = true,
    _ body: @Sendable (_ sandbox: Sandbox, _ whmcsURL: String, _ whmURL: String) async throws -> T
) async throws -> T {
    try await SandboxHarness.with(now: now, autoCapture: autoCapture) { harness in
        try await body(harness.sandbox, harness.whmcsURL, harness.whmURL)
    }
}
