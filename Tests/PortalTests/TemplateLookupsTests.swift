import Foundation
import Mustache
import Testing

@testable import Portal

/// The direct template lookups answer every stored property, exactly as the reflection they replace would.
@Suite("Template lookups")
struct TemplateLookupsTests {
    /// Stored properties the value's `child(named:)` does not answer (or answers differently from reflection).
    static func gaps(_ value: some MustacheParent) -> [String] {
        Mirror(reflecting: value).children.compactMap { child in
            guard let label = child.label else { return nil }
            let direct = value.child(named: label)
            // An optional property reflects as Optional: compare what it holds.
            let mirror = Mirror(reflecting: child.value)
            let held: Any? = mirror.displayStyle == .optional ? mirror.children.first?.value : child.value
            guard let direct else { return held == nil ? nil : label }
            guard let held else { return label }
            return "\(direct)" == "\(held)" ? nil : label
        }
    }

    @Test("the chrome and the area frames answer every stored property")
    func everyProperty() throws {
        var chrome = StorefrontChrome(
            tenantName: "Acme", tagline: "t", stylesheetURL: "/s.css", themeURL: "/t.css", logoURL: "/l.png", year: 2026
        )
        chrome.frame = AreaFrame.staff(path: "/admin/orders/3", role: .owner, counts: .init(openTickets: 2))
        chrome.csrf = "token"
        #expect(Self.gaps(chrome).isEmpty, "\(Self.gaps(chrome))")
        let frame = try #require(chrome.frame)
        #expect(Self.gaps(frame).isEmpty, "\(Self.gaps(frame))")
        #expect(frame.links.allSatisfy { Self.gaps($0).isEmpty })
        #expect(frame.sections.allSatisfy { Self.gaps($0).isEmpty })
        #expect(frame.breadcrumbs.allSatisfy { Self.gaps($0).isEmpty } && !frame.breadcrumbs.isEmpty)
        #expect(chrome.child(named: "noSuchField") == nil)
    }
}
