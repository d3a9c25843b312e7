import Mustache

// Direct field lookups for the values every signed-in page renders many times (the chrome, the area's menu), so the
// template engine need not build a Mirror for each `{{name}}`. Each switch lists every stored property; a test
// renders each one through both paths.

extension StorefrontChrome: MustacheParent {
    package func child(named name: String) -> Any? { fields.child(named: name) }
}

extension StorefrontChrome.Fields: MustacheParent {
    package func child(named name: String) -> Any? {
        switch name {
        case "tenantName": tenantName
        case "tagline": tagline
        case "stylesheetURL": stylesheetURL
        case "themeURL": themeURL
        case "logoURL": logoURL
        case "year": year
        case "logoDarkURL": logoDarkURL
        case "faviconURL": faviconURL
        case "companyName": companyName
        case "supportEmail": supportEmail
        case "supportPhone": supportPhone
        case "addressLines": addressLines
        case "footerLinks": footerLinks
        case "hasFooterLinks": hasFooterLinks
        case "hasAddress": hasAddress
        case "isPreview": isPreview
        case "impersonation": impersonation
        case "csrf": csrf
        case "isDocument": isDocument
        case "isConsole": isConsole
        case "frame": frame
        case "language": language
        case "direction": direction
        case "languagePrefix": languagePrefix
        case "languageLinks": languageLinks
        case "languageCodes": languageCodes
        case "hasLanguageChoice": hasLanguageChoice
        case "defaultLanguageURL": defaultLanguageURL
        case "menuLinks": menuLinks
        case "hasCustomMenu": hasCustomMenu
        case "announcement": announcement
        default: nil
        }
    }
}

extension AreaFrame: MustacheParent {
    package func child(named name: String) -> Any? {
        switch name {
        case "isAccount": isAccount
        case "isStaff": isStaff
        case "isConsole": isConsole
        case "sections": sections
        case "links": links
        case "breadcrumbs": breadcrumbs
        case "hasBreadcrumbs": hasBreadcrumbs
        case "currentLabel": currentLabel
        default: nil
        }
    }
}

extension AreaFrame.Link: MustacheParent {
    package func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "url": url
        case "current": current
        case "currentValue": currentValue
        case "count": count
        case "countLabel": countLabel
        case "hasCount": hasCount
        default: nil
        }
    }
}

extension AreaFrame.Section: MustacheParent {
    package func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "links": links
        default: nil
        }
    }
}

extension AreaFrame.Crumb: MustacheParent {
    package func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "url": url
        default: nil
        }
    }
}
