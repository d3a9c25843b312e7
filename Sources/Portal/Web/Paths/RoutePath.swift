import Hummingbird

/// One route, written once: the router registers `route`, pages and redirects link with `link(…)`.
///
/// Every path of the portal is a `RoutePath` in its area's enum (`StorefrontPaths`, `AccountPaths`, `AdminPaths`,
/// `ConsolePaths`, `SignInPaths` …), so a page, its links and the middleware that knows it can never disagree.
package struct RoutePath: Sendable, Hashable, CustomStringConvertible {
    /// The router's pattern, with `{name}` for each parameter.
    package let pattern: String

    package init(_ pattern: String) {
        self.pattern = pattern
    }

    /// What the router registers.
    package var route: RouterPath { RouterPath(pattern) }

    package var description: String { pattern }

    /// The part of the pattern before its first parameter or wildcard: `/brand/logo/{file}` → `/brand/logo/`.
    package var fixedPrefix: String {
        String(pattern.prefix { $0 != "{" && $0 != "*" })
    }

    /// The path with each `{name}` segment filled, in order, by `values` (escaped as a path segment).
    package func link(_ values: any CustomStringConvertible...) -> String {
        var remaining = values[...]
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix("{"), segment.hasSuffix("}"), let value = remaining.popFirst() else {
                return String(segment)
            }
            return QueryComponent.encode(value.description)
        }
        precondition(remaining.isEmpty, "\(pattern) takes fewer values than \(values.count)")
        return segments.joined(separator: "/")
    }
}
