import Testing

@testable import Portal

/// Text written into markup goes through one escape for HTML and one for XML.
@Suite("Escaping")
struct EscapeTests {
    @Test("HTML escaping turns every markup character into a reference, so hostile text stays text")
    func html() {
        #expect(
            Escape.html(#"</textarea><script>alert("x's")</script> & more"#)
                == "&lt;/textarea&gt;&lt;script&gt;alert(&quot;x&#39;s&quot;)&lt;/script&gt; &amp; more")
        #expect(Escape.html("plain text, ünïcode ✓") == "plain text, ünïcode ✓")
    }

    @Test("XML escaping uses the five predefined entities")
    func xml() {
        #expect(
            Escape.xml(#"https://a.example/?q=1&r='2'"<>"#)
                == "https://a.example/?q=1&amp;r=&apos;2&apos;&quot;&lt;&gt;")
    }

    @Test("the QR code's accessible name cannot break out of its attribute or title")
    func qrCodeLabel() throws {
        let hostile = #"Acme" onload="alert(1)<script>"#
        let svg = try QRCode(encoding: "otpauth://totp/x").svg(title: hostile)
        #expect(svg.contains(#"aria-label="Acme&quot; onload=&quot;alert(1)&lt;script&gt;""#))
        #expect(svg.contains("<title>Acme&quot; onload=&quot;alert(1)&lt;script&gt;</title>"))
        #expect(!svg.contains(#"onload="alert"#))
    }
}
