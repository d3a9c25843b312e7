import Foundation
import HummingbirdTesting
import Tenancy
import Testing

@testable import Portal

@Suite("Help centre")
struct KnowledgeBaseTests {
    @Test("Markdown with script, iframe, javascript: links and event attributes comes out inert")
    func sanitising() {
        let html = SafeMarkdown.html(
            """
            # Title

            **bold** and [ok](https://example.com/a?b=1&c=2) and [local](/help/x) and [mail](mailto:a@example.com)

            <script>alert(1)</script>

            <iframe src="https://evil.example"></iframe>

            [bad](javascript:alert(1)) and <a href="javascript:alert(2)">raw</a> and <a href="&#106;avascript:alert(3)">entity</a>

            <img src=x onerror=alert(4)> <img src="https://example.com/i.png" onload="alert(5)" alt="pic">

            <p onclick="alert(6)" style="x">para</p> <svg onload=alert(7)></svg> <a href="//evil.example">proto</a>

            `<b>code</b>`
            """
        )
        #expect(html.contains("<h1>Title</h1>") && html.contains("<strong>bold</strong>"))
        #expect(
            html.contains(#"href="https://example.com/a?b=1&amp;c=2""#) && html.contains(#"href="/help/x""#)
                && html.contains(#"href="mailto:a@example.com""#))
        #expect(html.contains(#"<img src="https://example.com/i.png" alt="pic">"#))
        // Every real tag left is on the allowlist with only safe attributes; the rest is text.
        let tags = html.matches(of: /<[^>]+>/).map { String($0.output).lowercased() }
        for tag in tags {
            for forbidden in [
                "script", "iframe", "svg", "javascript", "onerror", "onload", "onclick", "style", "//evil", "src=\"x\"",
            ] {
                #expect(!tag.contains(forbidden), "\(forbidden) in \(tag)")
            }
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "shown as text")
        #expect(html.contains("<p>para</p>"))
    }

    @Test("staff write articles in Markdown; published ones are public, searchable and per tenant; drafts stay private")
    func publishing() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            try await owner.get("/admin/help")
            #expect(
                try await owner.post("/admin/help/categories", ["name": "Email", "slug": "email"]).status == .seeOther)
            try await owner.get("/admin/help/new")
            let bad = try await owner.post("/admin/help", ["title": "", "slug": "Bad Slug", "markdown": ""])
            #expect(bad.status == .unprocessableContent && bad.text.contains("one-line title"))
            let preview = try await owner.post(
                "/admin/help",
                ["title": "Set up email", "slug": "set-up-email", "markdown": "Use **IMAP**.", "preview": "1"])
            #expect(preview.text.contains("<strong>IMAP</strong>"))
            #expect(
                try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                    try await $0.knowledgeBase.articles(publishedOnly: false).total
                } == 0, "a preview stores nothing")
            let category = try #require(
                try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                    try await $0.knowledgeBase.categories().first?.id
                })
            #expect(
                try await owner.post(
                    "/admin/help",
                    [
                        "title": "Set up email on your phone", "slug": "set-up-email", "category": String(category),
                        "markdown": "Use **IMAP** on port 993.\n\n<script>alert(1)</script>", "published": "on",
                    ]
                ).status == .seeOther)
            try await owner.get("/admin/help")
            #expect(
                try await owner.post("/admin/help", ["title": "Secret draft", "slug": "draft", "markdown": "Not yet."])
                    .status == .seeOther)

            let help = try await client.get("/help", host: "acme.localhost")
            #expect(
                help.text.contains("Email") && help.text.contains("Set up email on your phone")
                    && !help.text.contains("Secret draft"))
            let found = try await client.get("/help?q=imap%20phone", host: "acme.localhost")
            #expect(found.text.contains("/help/set-up-email"))
            #expect(
                try await client.get("/help?q=nothinglikethis", host: "acme.localhost").text.contains("Nothing matches")
            )
            let article = try await client.get("/help/set-up-email", host: "acme.localhost")
            #expect(article.text.contains("<strong>IMAP</strong>") && !article.text.contains("<script>alert"))
            #expect(
                article.text.contains(#"<link rel="canonical" href="https://portal.acme.example/help/set-up-email">"#))
            #expect(try await client.get("/help/draft", host: "acme.localhost").status == .notFound)
            #expect(try await client.get("/help/set-up-email", host: "globex.localhost").status == .notFound)
            #expect(try await client.get("/help?q=imap", host: "globex.localhost").text.contains("Nothing matches"))

            // Customers cannot write; support can.
            _ = try await makeAccount(dependencies, email: "reader@example.com")
            let reader = TestBrowser(client, host: "acme.localhost")
            try await signIn(reader, email: "reader@example.com")
            #expect(try await reader.get("/admin/help").status == .seeOther)
        }
    }
}

extension KnowledgeBaseTests {
    @Test("the help centre is paged, 30 articles a page")
    func paging() async throws {
        try await withPortal { client, dependencies in
            let staff = try await makeAccount(dependencies, kind: .staff, email: "writer@acme.example", role: .owner)
            try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) { database in
                for number in 1...35 {
                    let html = SafeMarkdown.html("Answer \(number).")
                    _ = try await database.knowledgeBase.save(
                        KBArticle(
                            slug: "answer-\(number)", title: "Answer \(number)", categoryID: nil,
                            markdown: "Answer \(number).", html: html,
                            text: SafeMarkdown.text(html), published: true, updatedAt: Date()),
                        actor: staff, ip: "", now: Date().addingTimeInterval(Double(number))
                    )
                }
            }
            let first = try await client.get("/help", host: "acme.localhost")
            #expect(
                first.text.contains("/help/answer-35") && !first.text.contains("/help/answer-5\"")
                    && first.text.contains("/help?page=2"))
            let second = try await client.get("/help?page=2", host: "acme.localhost")
            #expect(
                second.text.contains("/help/answer-1\"") && second.text.contains("/help?page=1")
                    && !second.text.contains("/help?page=3"))
        }
    }
}
