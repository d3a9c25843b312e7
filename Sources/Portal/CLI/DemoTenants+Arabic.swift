import Branding
import Foundation
import GRDB
import Tenancy

/// Globex speaks Arabic too in the demo: its tagline, products, an "About us" page with blocks and a news post in
/// both languages, so the storefront can be seen (and checked) right to left at `/ar/`.
extension DemoTenants {
    static func addArabic(to brand: inout Brand) {
        brand.languages = ["en", "ar"]
        brand.taglines = ["ar": "استضافة سحابية تنمو معك"]
    }

    static let arabicProducts: [String: ProductText] = [
        "launch": ProductText(
            name: "انطلاقة", summary: "بداية سريعة لمشروع جديد.",
            features: "تخزين NVMe بسعة 25 جيجابايت\nشهادة SSL مجانية\nحسابات بريد إلكتروني"),
        "grow": ProductText(
            name: "نمو", summary: "قوة أكبر للفرق المتنامية.",
            features: "تخزين NVMe بسعة 100 جيجابايت\nمواقع غير محدودة\nبيئات تجريبية"),
        "scale-cloud": ProductText(
            name: "خادم سحابي للتوسع", summary: "موارد مخصصة جاهزة خلال دقائق.",
            features: "4 vCPU\nذاكرة 8 جيجابايت\nتخزين NVMe بسعة 160 جيجابايت"),
        "wildcard-ssl": ProductText(
            name: "شهادة SSL شاملة", summary: "احمِ كل النطاقات الفرعية بشهادة واحدة.",
            features: "*.yourdomain.com\nالتحقق من المؤسسة متاح"),
    ]

    /// The Arabic product words, an "About us" page and a first news post, in the onboarding transaction.
    static func seedArabic(_ db: Database, products: [String: Int64], now: Date) throws {
        for (slug, text) in arabicProducts {
            guard let id = products[slug] else { continue }
            try db.execute(
                sql: """
                    INSERT INTO product_translations (product_id, language, name, summary, description, features)
                    VALUES (?, 'ar', ?, ?, ?, ?)
                    """,
                arguments: [id, text.name, text.summary, text.description, text.features])
        }
        let about = PageContent(
            title: ["en": "About Globex", "ar": "من نحن"],
            summary: ["en": "Who we are and how we help.", "ar": "من نحن وكيف نساعدك."],
            body: [
                "en": """
                ::: hero
                title: Hosting that grows with you
                text: Local support, fast servers and fair prices.
                button: See the plans | /#products
                :::

                ::: features
                title: Every plan includes
                - Free SSL certificates
                - Daily backups
                - Support by people who answer
                :::

                ::: pricing
                title: Our plans
                :::

                ::: faq
                Q: Can you move my site for me?
                A: Yes, we move it for free.
                :::

                ::: contact
                :::
                """,
                "ar": """
                ::: hero
                title: استضافة تنمو معك
                text: دعم محلي وخوادم سريعة وأسعار عادلة.
                button: اطّلع على الباقات | /#products
                :::

                ::: features
                title: تتضمن كل باقة
                - شهادات SSL مجانية
                - نسخ احتياطي يومي
                - دعم فني يرد عليك
                :::

                ::: pricing
                title: باقاتنا
                :::

                ::: faq
                Q: هل يمكنكم نقل موقعي؟
                A: نعم، ننقله مجانًا.
                :::

                ::: contact
                :::
                """,
            ])
        try ContentStore.insertPublishedPage(db, slug: "about", content: about, by: "demo", now: now)
        try ContentStore.insertSite(
            db,
            SiteSettings(footer: [
                SiteLink(label: ["en": "About us", "ar": "من نحن"], url: "/pages/about"),
                SiteLink(label: ["en": "News", "ar": "الأخبار"], url: "/news"),
                SiteLink(label: ["en": "Terms", "ar": "الشروط"], url: "https://globex.example/terms"),
                SiteLink(label: ["en": "Privacy", "ar": "الخصوصية"], url: "https://globex.example/privacy"),
            ]))
        try ContentStore.insertPost(
            db,
            NewsPost(
                id: NewsPost.ID(0), slug: "arabic-storefront", date: DisplayCalendar.day(now), author: "Globex",
                title: ["en": "Our site now speaks Arabic", "ar": "موقعنا الآن باللغة العربية"],
                body: [
                    "en": "Browse, order and get support in Arabic. [About us](/pages/about).",
                    "ar": "تصفّح واطلب واحصل على الدعم باللغة العربية. [من نحن](/pages/about).",
                ], published: true, updatedAt: now), now: now)
    }
}
