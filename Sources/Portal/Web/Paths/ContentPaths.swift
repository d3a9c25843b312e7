/// The brand's own pages, news and images: public addresses and the staff's "Pages" section.
package enum ContentPaths {
    package static let page = RoutePath("/pages/{slug}")
    package static let news = RoutePath("/news")
    package static let newsFeed = RoutePath("/news/feed.xml")
    package static let newsPost = RoutePath("/news/{slug}")
    package static let media = RoutePath("/media/{file}")

    package static let adminPages = RoutePath("/admin/pages")
    package static let adminNewPage = RoutePath("/admin/pages/new")
    package static let adminPage = RoutePath("/admin/pages/{id}")
    package static let adminPagePreview = RoutePath("/admin/pages/{id}/preview")
    package static let adminPagePublish = RoutePath("/admin/pages/{id}/publish")
    package static let adminPageUnpublish = RoutePath("/admin/pages/{id}/unpublish")
    package static let adminPageDelete = RoutePath("/admin/pages/{id}/delete")
    package static let adminPageRestore = RoutePath("/admin/pages/{id}/versions/{version}/restore")
    package static let adminSite = RoutePath("/admin/site")
    package static let adminImages = RoutePath("/admin/images")
    package static let adminNews = RoutePath("/admin/news")
    package static let adminNewPost = RoutePath("/admin/news/new")
    package static let adminPost = RoutePath("/admin/news/{id}")
    package static let adminPostDelete = RoutePath("/admin/news/{id}/delete")
}
