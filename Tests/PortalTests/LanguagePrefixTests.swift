import Testing

@testable import Portal

@Suite("Language prefixes")
struct LanguagePrefixTests {
    @Test("the per-byte lookup of paths that never carry a language agrees with comparing every prefix")
    func keepsPrefixMatchesEveryPrefix() {
        #expect(LanguagePrefix.unprefixed.allSatisfy { $0.hasPrefix("/") && $0.utf8.count >= 2 })
        var paths = ["", "/", "/account", "/ar/help", "/a", "/s", "/static", "/x/static/", "static/base.css"]
        for prefix in LanguagePrefix.unprefixed {
            paths += [prefix, prefix + "x", String(prefix.dropLast()), "/ar" + prefix]
        }
        for path in paths {
            let everyPrefix = !LanguagePrefix.unprefixed.contains { path.hasPrefix($0) }
            #expect(LanguagePrefix.keepsPrefix(path[...]) == everyPrefix, "\(path)")
        }
        #expect(LanguagePrefix.keepsPrefix("/account"[...]))
        #expect(!LanguagePrefix.keepsPrefix(OperationsPaths.staticFile("base.css")[...]))
    }
}
