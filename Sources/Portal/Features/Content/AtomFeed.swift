import Foundation

/// An Atom 1.0 feed (RFC 4287): ids are the posts' permanent addresses, dates in RFC 3339, content as escaped HTML.
struct AtomFeed {
    struct Entry {
        let id: String
        let url: String
        let title: String
        let author: String
        /// `YYYY-MM-DD`: the day the post is dated.
        let published: String
        let updated: Date
        let html: String
    }

    let id: String
    let title: String
    let siteURL: String
    let feedURL: String
    let language: String
    let updated: Date
    let entries: [Entry]

    var xml: String {
        var lines = [
            #"<?xml version="1.0" encoding="utf-8"?>"#,
            #"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="\#(Escape.xml(language))">"#,
            "  <id>\(Escape.xml(id))</id>",
            "  <title>\(Escape.xml(title))</title>",
            "  <updated>\(Self.timestamp(updated))</updated>",
            #"  <link rel="self" type="application/atom+xml" href="\#(Escape.xml(feedURL))"/>"#,
            #"  <link rel="alternate" type="text/html" href="\#(Escape.xml(siteURL))"/>"#,
        ]
        for entry in entries {
            lines += [
                "  <entry>",
                "    <id>\(Escape.xml(entry.id))</id>",
                "    <title>\(Escape.xml(entry.title))</title>",
                #"    <link rel="alternate" type="text/html" href="\#(Escape.xml(entry.url))"/>"#,
                "    <published>\(Escape.xml(entry.published))T00:00:00Z</published>",
                "    <updated>\(Self.timestamp(entry.updated))</updated>",
                "    <author><name>\(Escape.xml(entry.author))</name></author>",
                #"    <content type="html">\#(Escape.xml(entry.html))</content>"#,
                "  </entry>",
            ]
        }
        lines.append("</feed>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2026-12-07T03:05:00Z`.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", p.year ?? 1970, p.month ?? 1, p.day ?? 1, p.hour ?? 0,
            p.minute ?? 0, p.second ?? 0)
    }
}
