import Foundation
import Tenancy

/// The help article form as typed, checked field by field before anything is saved.
package struct KBArticleForm: Sendable {
    package var title = ""
    package var slug = ""
    package var markdown = ""
    /// The category's id as text; empty for none.
    package var category = ""
    package var published = false

    init() {}

    init(form: FormData) {
        title = form.trimmed("title")
        slug = form.trimmed("slug").lowercased()
        markdown = form["markdown"]
        category = form["category"]
        published = form["published"] == "on"
    }

    init(_ article: KBArticle) {
        (title, slug, markdown) = (article.title, article.slug, article.markdown)
        category = article.categoryID.map(String.init) ?? ""
        published = article.published
    }

    var categoryID: Int64? { Int64(category) }

    /// Problems by field name; empty when the article can be saved. `categories` are the brand's.
    func problems(categories: [KBCategory]) -> [String: String] {
        var errors: [String: String] = [:]
        if title.isEmpty || title.count > 200 || title.contains(where: \.isNewline) {
            errors["title"] = "Give the article a one-line title of at most 200 characters."
        }
        if let problem = CatalogueRules.slugProblem(slug) { errors["slug"] = problem }
        if markdown.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || markdown.count > 100_000 {
            errors["markdown"] = "Write the article (at most 100,000 characters)."
        }
        if !category.isEmpty, !categories.contains(where: { $0.id == categoryID }) {
            errors["category"] = "Choose one of the categories."
        }
        return errors
    }

    /// The article to store: its HTML through the safe renderer, its text for search.
    func article(id: Int64?, now: Date) -> KBArticle {
        let html = SafeMarkdown.html(markdown)
        var article = KBArticle(
            slug: slug, title: title, categoryID: categoryID, markdown: markdown, html: html,
            text: SafeMarkdown.text(html), published: published, updatedAt: now)
        article.id = id
        return article
    }
}

extension KnowledgeBaseController.EditPage {
    init(
        _ form: KBArticleForm, article: KBArticle?, categories: [KBCategory], errors: [String: String],
        notice: Notice?, preview: Bool, context: StaffRequestContext
    ) {
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice,
            action: article?.id.map { AdminPaths.helpArticle.link($0) } ?? AdminPaths.help.link(), title: form.title,
            slug: form.slug, markdown: form.markdown, published: form.published,
            categories: [Choice(value: "", label: "No category", selected: form.category.isEmpty)]
                + categories.map {
                    Choice(value: String($0.id ?? 0), label: $0.name, selected: String($0.id ?? 0) == form.category)
                },
            errors: errors, preview: preview ? SafeMarkdown.html(form.markdown) : "", hasPreview: preview
        )
    }
}
