import AsyncHTTPClient
import Foundation
import NIOCore
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// `portal sandbox` as a person runs it: a real process, real ports, state that survives a restart.
@Suite("portal sandbox")
struct SandboxCommandTests {
    /// A running `portal sandbox` and what it printed up to "Press Ctrl-C".
    final class Running: Sendable {
        let process: ChildProcess
        let banner: String

        init(process: ChildProcess, banner: String) {
            self.process = process
            self.banner = banner
        }

        func url(_ name: String) -> String? {
            banner.split(separator: "\n").first { $0.hasPrefix(name) }?.split(separator: " ").last.map(String.init)
        }

        func stop() async throws -> Int32 {
            process.terminate()
            switch await process.exit() {
            case .exited(let status): return status
            case .signalled(let signal): return 128 + signal
            }
        }
    }

    static func start(_ arguments: [String]) async throws -> Running {
        let executable = try #require(ExecutableTests.executable)
        return try await BlockingIO.run {
            let process = try ChildProcess(
                executable,
                ["sandbox", "--whmcs-port", "0", "--whm-port", "0", "--twentyi-port", "0", "--sslstore-port", "0"]
                    + arguments, standardOutput: .capture)
            let out = try #require(process.standardOutput)
            var text = ""
            let deadline = Date().addingTimeInterval(30)
            while !text.contains("Press Ctrl-C"), Date() < deadline {
                let chunk = out.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return Running(process: process, banner: text)
        }
    }

    static func post(_ url: String, _ body: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await TestBrowser.http.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test(
        "prints URLs and credentials, answers the real API, takes faults at run time, and keeps its data across restarts"
    )
    func standalone() async throws {
        let folder = try TemporaryFolder()
        let arguments = [
            "--data-dir", folder.path, "--whmcs-identifier", "sandbox-identifier-1234", "--whmcs-secret", "s3cret",
            "--brand", "acme",
        ]
        let first = try await Self.start(arguments)
        #expect(first.banner.contains("WHMCS API identifier  sandbox-identifier-1234"))
        #expect(first.banner.contains("WHM API token"))
        #expect(first.banner.contains("Brand acme: client group 1, reseller racme, token "))
        let whmcs = try #require(first.url("WHMCS simulator"))
        let auth = "identifier=sandbox-identifier-1234&secret=s3cret&responsetype=json"
        let client =
            "&firstname=A&lastname=B&email=keep%40example.com&address1=1&city=C&state=S&postcode=P&country=GB&phonenumber=1&password2=pw"
        #expect(
            try await Self.post(whmcs + "/includes/api.php", auth + "&action=AddClient" + client).1.contains(
                "\"clientid\":\"1\""))

        let (status, settings) = try await Self.post(whmcs + "/__sandbox/faults", "mode=http500&count=1")
        #expect(status == 200)
        #expect(settings.contains(#""mode":"http500""#) && settings.contains(#""remaining":1"#))
        #expect(try await Self.post(whmcs + "/includes/api.php", auth + "&action=GetClientGroups").0 == 500)
        #expect(try await Self.post(whmcs + "/includes/api.php", auth + "&action=GetClientGroups").0 == 200)
        #expect(try await Self.post(whmcs + "/__sandbox/faults", "mode=meltdown").0 == 400)

        // The 20i simulator answers with the printed key.
        let twentyI = try #require(first.url("20i   simulator") ?? first.url("20i"))
        let key = try #require(
            first.banner.split(separator: "\n").first { $0.hasPrefix("20i general API key") }?.split(separator: " ")
                .last.map(String.init))
        var request = HTTPClientRequest(url: twentyI + "/reseller/*/packageTypes")
        request.headers.add(name: "Authorization", value: "Bearer " + Data(key.utf8).base64EncodedString())
        let answer = try await TestBrowser.http.execute(request, timeout: .seconds(10))
        #expect(answer.status.code == 200)
        #expect(String(buffer: try await answer.body.collect(upTo: 1 << 16)).contains("Linux Starter"))
        #expect(try await first.stop() == 0)

        let second = try await Self.start(arguments)
        let again = try #require(second.url("WHMCS simulator"))
        let details = try await Self.post(
            again + "/includes/api.php", auth + "&action=GetClientsDetails&email=keep%40example.com")
        #expect(details.1.contains("\"client_id\":\"1\""))
        #expect(second.banner.contains("Brand acme: client group 1, reseller racme"))
        #expect(try await second.stop() == 0)
    }
}
