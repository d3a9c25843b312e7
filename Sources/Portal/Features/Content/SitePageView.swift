import Branding
import Foundation
import Tenancy

/// A brand's page as visitors see it: its blocks rendered in order, Markdown made safe, pricing from the live
/// catalogue.
package struct SitePageView: Sendable {
    package struct Section: Sendable {
        /// Sanitised HTML of a Markdown part ("" for a block).
        package var html = ""
        package var hero: Hero? = nil
        package var features: Features? = nil
        package var pricing: Pricing? = nil
        package var faq: FAQ? = nil
        package var testimonial: Testimonial? = nil
        package var contact: Contact? = nil
        package var domainSearch: DomainSearchBlock? = nil
    }

    package struct Hero: Sendable {
        let heading: String
        let text: String
        let buttonLabel: String
        let buttonURL: String
    }

    package struct Features: Sendable {
        let heading: String
        let items: [String]
    }

    package struct Pricing: Sendable {
        let heading: String
        let products: [ProductCard]
        let isEmpty: Bool
    }

    package struct FAQ: Sendable {
        struct Item: Sendable {
            let question: String
            let answer: String
        }
        let heading: String
        let items: [Item]
    }

    package struct Testimonial: Sendable {
        let quote: String
        let author: String
        let role: String
    }

    package struct Contact: Sendable {
        let heading: String
    }

    package struct DomainSearchBlock: Sendable {
        let heading: String
    }

    package var chrome: StorefrontChrome
    package let title: String
    package let summary: String
    package let imageURL: String
    package let canonicalURL: String
    package let sections: [Section]
    /// Staff previewing a draft: a banner says so and search engines are told to stay away.
    package var isDraftPreview = false
    /// The page is the home page: its title is the brand's.
    package var isHome = false

    /// The sections of `blocks` for a visitor of `content` (the catalogue, the brand's currency).
    static func sections(_ blocks: [PageBlock], content: StorefrontContent) -> [Section] {
        blocks.map { block in
            var section = Section()
            switch block {
            case .markdown(let text):
                section.html = SafeMarkdown.html(text)
            case .hero(let title, let text, let button):
                section.hero = Hero(
                    heading: title, text: text, buttonLabel: button?.label ?? "", buttonURL: button?.url ?? "")
            case .features(let title, let items):
                section.features = Features(heading: title, items: items)
            case .pricing(let title, let category, let slugs):
                let catalogue = content.catalogue.localized(Localizer.current?.code ?? content.brand.defaultLanguage)
                var entries = catalogue.listed.filter { $0.product.isOrderable }
                if !slugs.isEmpty {
                    entries = slugs.compactMap { slug in catalogue.entry(slug: slug) }
                } else if !category.isEmpty, let found = catalogue.category(slug: category) {
                    entries = catalogue.listed(in: found)
                }
                let cards = entries.map { ProductCard($0, currency: content.brand.currency) }
                section.pricing = Pricing(heading: title, products: cards, isEmpty: cards.isEmpty)
            case .faq(let title, let items):
                section.faq = FAQ(
                    heading: title, items: items.map { FAQ.Item(question: $0.question, answer: $0.answer) })
            case .testimonial(let quote, let author, let role):
                section.testimonial = Testimonial(quote: quote, author: author, role: role)
            case .contact(let title):
                section.contact = Contact(heading: title)
            case .domainSearch(let title):
                section.domainSearch = DomainSearchBlock(heading: title)
            }
            return section
        }
    }
}
