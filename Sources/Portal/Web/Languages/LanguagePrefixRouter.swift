import Hummingbird

/// Answers `/ar/help` with the route of `/help`: a shipped language's prefix is taken off the path before the router
/// matches it (Hummingbird matches routes before any middleware runs) and kept in the context, where
/// `LanguageMiddleware` checks that the host's brand offers that language.
struct LanguagePrefixRouter<Builder: HTTPResponderBuilder>: HTTPResponderBuilder
where Builder.Responder.Context == PortalRequestContext {
    let router: Builder
    /// Every shipped language code.
    let codes: [String]

    func buildResponder() -> Responder {
        Responder(inner: router.buildResponder(), codes: codes)
    }

    struct Responder: HTTPResponder {
        let inner: Builder.Responder
        let codes: [String]

        func respond(to request: Request, context: PortalRequestContext) async throws -> Response {
            guard let (code, rest) = LanguagePrefix.split(request.uri.path, offered: codes) else {
                return try await inner.respond(to: request, context: context)
            }
            var context = context
            context.pathLanguage = code
            var head = request.head
            head.path = rest + (request.uri.query.map { "?\($0)" } ?? "")
            return try await inner.respond(to: Request(head: head, body: request.body), context: context)
        }
    }
}
