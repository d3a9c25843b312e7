import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Portal

@Suite("Session cookies")
struct SessionCookieTests {
    static func request(_ cookieHeaders: [String]) -> Request {
        var head = HTTPRequest(method: .get, scheme: "http", authority: "acme.localhost", path: "/account")
        for header in cookieHeaders { head.headerFields.append(HTTPField(name: .cookie, value: header)) }
        return Request(head: head, body: .init(buffer: .init()))
    }

    @Test("the session cookie is read as Hummingbird's cookie parser reads it, over every Cookie header")
    func sameAsCookieParser() {
        let name = SessionCookie.session
        let headers: [[String]] = [
            [], ["\(name)=abc"], ["a=1; \(name)=abc; b=2"], ["a=1;\(name)=abc"], ["a=1;  \t\(name)=abc"],
            ["\(name)=first; \(name)=second"], ["a=1", "\(name)=in-the-second-header"], ["\(name)="],
            ["\(name)"], ["x\(name)=no; \(name)x=no"], ["\(name)=a=b=c"], ["\(name)=abc;"], [";;; \(name)=abc"],
            ["\(name)=" + String(repeating: "z", count: 128)], ["\(name)=" + String(repeating: "z", count: 129)],
            ["\(name)=é-ü"], ["\(name)=; \(name)=later"],
        ]
        for cookies in headers {
            let request = Self.request(cookies)
            let parser = request.cookies[name]?.value
            let expected = parser.flatMap { !$0.isEmpty && $0.utf8.count <= 128 ? $0 : nil }
            #expect(SessionCookie.value(name, in: request) == expected, "\(cookies)")
        }
        #expect(SessionCookie.value(name, in: Self.request(["a=1; \(name)=abc; b=2"])) == "abc")
        #expect(SessionCookie.value(name, in: Self.request(["\(name)=" + String(repeating: "z", count: 129)])) == nil)
        #expect(SessionCookie.value(SessionCookie.csrf, in: Self.request(["\(name)=abc"])) == nil)
    }
}
