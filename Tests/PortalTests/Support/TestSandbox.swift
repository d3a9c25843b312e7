import Foundation
import Sandbox
import TestSupport

/// The simulators on free loopback ports for the length of `body`, through the one shared harness; the portal's
/// tests need only the sandbox and the WHMCS and WHM addresses.
func withSandbox<T: Sendable>(
    now: @escaping @Sendable () -> Date = { Date() },
    _ body: @Sendable (_ sandbox: Sandbox, _ whmcsURL: String, _ whmURL: String) async throws -> T
) async throws -> T {
    try await SandboxHarness.with(now: now) { harness in
        try await body(harness.sandbox, harness.whmcsURL, harness.whmURL)
    }
}
