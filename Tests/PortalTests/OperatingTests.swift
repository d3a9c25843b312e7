import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Log lines (text and JSON, secrets redacted in both) and the readiness answer.
@Suite("Operating: logs and readiness")
struct OperatingTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000.25)

    static func line(_ format: LogFormat, message: String = "request", metadata: Logger.Metadata) -> String {
        PortalLogHandler.line(
            format: format, time: time, level: .info, label: "portal", message: message, metadata: metadata,
            source: "Portal")
    }

    @Test("a JSON line is one object with the same fields as the text line")
    func jsonMatchesText() throws {
        let metadata: Logger.Metadata = [
            "request_id": "00ff", "tenant": "acme", "status": "200", "path": "/account \"quoted\"\nnext",
        ]
        let text = Self.line(.text, metadata: metadata)
        #expect(
            text
                == "2027-01-15T08:00:00.250Z info portal : path=/account \"quoted\"\nnext request_id=00ff status=200 tenant=acme [Portal] request"
        )
        let json = Self.line(.json, metadata: metadata)
        #expect(!json.contains("\n"), "one line, whatever the values hold")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(
            object == [
                "time": "2027-01-15T08:00:00.250Z", "level": "info", "label": "portal", "source": "Portal",
                "message": "request", "request_id": "00ff", "tenant": "acme", "status": "200",
                "path": "/account \"quoted\"\nnext",
            ])
    }

    @Test("secrets are redacted in both formats: secret-named fields, name=value pairs, bearer tokens and API keys")
    func redaction() {
        let metadata: Logger.Metadata = [
            "password": "hunter2", "csrf_token": "abc123", "authorization": "Bearer zzz", "api_key": "k-1",
            "detail": "POST body secret=s3cr3t&action=GetClients", "url": "/reset-password?token=tok-42&x=1",
            "header": "Authorization: Bearer eyJhbGciOi", "stripe": "used sk_live_51HxYz and whsec_abcDEF",
            "tenant": "acme",
        ]
        for format in LogFormat.allCases {
            let line = Self.line(format, message: "retrying with password=hunter2", metadata: metadata)
            for secret in ["hunter2", "abc123", "zzz", "k-1", "s3cr3t", "tok-42", "eyJhbGciOi", "51HxYz", "abcDEF"] {
                #expect(!line.contains(secret), "\(format) shows \(secret): \(line)")
            }
            for kept in ["action=GetClients", "x=1", "acme", "Bearer [redacted]"] {
                #expect(line.contains(kept), "\(format) lost \(kept): \(line)")
            }
        }
    }

    @Test("the handler writes one line per entry; --log-format and PORTAL_LOG_FORMAT choose text or json")
    func handlerAndOptions() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "portal") { label in
            PortalLogHandler(label: label, format: .json) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "request_id"] = "r1"
        logger.info("upstream call", metadata: ["token": "t0ps3cret", "upstream": "whmcs"])
        logger.debug("not at info")
        let written = lines.withLock { $0 }
        #expect(written.count == 1 && written[0].hasSuffix("}\n"))
        #expect(written[0].contains(#""request_id":"r1""#) && written[0].contains(#""token":"[redacted]""#))
        #expect(try ServerOptions.parse(["--log-format", "json"]).resolvedLogFormat() == .json)
        // The storefront cache's size: a number of brands, checked.
        #expect(
            try ServerOptions.parse(["--page-cache-entries", "100000"]).configuration().pageCacheEntries == 100_000)
        #expect(try ServerOptions.parse([]).configuration().pageCacheEntries == 20_000)
        for bad in ["0", "-5", "20000000"] {
            #expect(throws: (any Error).self) {
                try ServerOptions.parse(["--page-cache-entries", bad]).configuration()
            }
        }
        #expect(try ServerOptions.parse([]).resolvedLogFormat() == .text)
        #expect(throws: (any Error).self) { try ServerOptions.parse(["--log-format", "yaml"]).resolvedLogFormat() }
    }

    @Test("log lines written in batches come out whole and in each writer's order; durations with two decimals")
    func batchedOutput() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let output = BufferedStandardOutput(descriptor: ends[1])
        // Read while writing: a pipe holds only 64 KB.
        let reading = Task { [reader = ends[0]] in
            try await BlockingIO.run { try FileHandle(fileDescriptor: reader).readToEnd() ?? Data() }
        }
        // Enough to fill the 64 KB batch several times, from four writers at once.
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for number in 0..<2_000 {
                        output.append("writer=\(writer) line=\(number) \(String(repeating: "x", count: 40))\n")
                    }
                }
            }
        }
        output.flush()
        close(ends[1])
        let text = String(decoding: try await reading.value, as: UTF8.self)
        var next = [Int](repeating: 0, count: 4)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 8_000)
        for line in lines {
            let fields = line.split(separator: " ")
            let writer = Int(fields[0].dropFirst("writer=".count))!
            #expect(Int(fields[1].dropFirst("line=".count)) == next[writer], "\(line)")
            #expect(fields[2].count == 40)
            next[writer] += 1
        }
        #expect(RequestLogMiddleware.twoDecimals(0) == "0.00")
        #expect(RequestLogMiddleware.twoDecimals(3.14159) == "3.14")
        #expect(
            RequestLogMiddleware.twoDecimals(12.005) == "12.01" || RequestLogMiddleware.twoDecimals(12.005) == "12.00")
        #expect(RequestLogMiddleware.twoDecimals(1234.5) == "1234.50")
        #expect(RequestLogMiddleware.twoDecimals(0.07) == "0.07")
    }

    @Test("readiness: 200 when ready; 503 naming each reason (draining, disk); 404 from outside")
    func readinessEndpoint() async throws {
        try await withPortal(configure: { $0.trustedProxies = [CIDR("127.0.0.1/32")!] }) { client, dependencies in
            let ready = try await client.get("/internal/ready", host: "127.0.0.1")
            #expect(ready.status == .ok && ready.text == "ready\n")
            #expect(ready.headers[.cacheControl] == "no-store")
            // A visitor the edge forwards is outside, whatever host they ask for.
            let outside = try await client.get(
                "/internal/ready", host: "acme.localhost", headers: [.testForwardedFor: "203.0.113.5"])
            #expect(outside.status == .notFound)

            dependencies.readiness.markDraining()
            let draining = try await client.get("/internal/ready", host: "127.0.0.1")
            #expect(draining.status == .serviceUnavailable)
            #expect(draining.text == "not ready\ndraining: the server is shutting down\n")
        }
        try await withPortal(configure: { $0.readiness.minimumFreeBytes = Int64.max / 2 }) { client, _ in
            let full = try await client.get("/internal/ready", host: "127.0.0.1")
            #expect(full.status == .serviceUnavailable)
            #expect(full.text.contains("disk: ") && full.text.contains("MiB free on the data disk"))
        }
    }

    @Test("readiness: the pipeline's heartbeat, counted from start, and an unreadable registry, by an injected clock")
    func readinessReasons() {
        let clock = TestClock.frozen()
        var thresholds = Readiness.Thresholds()
        thresholds.pipelineStale = 300
        thresholds.minimumFreeBytes = 1 << 30
        let readiness = Readiness(thresholds: thresholds, now: clock.now)
        #expect(readiness.problems(registryReadable: true, freeBytes: 2 << 30).isEmpty)
        clock.advance(by: 301)
        #expect(
            readiness.problems(registryReadable: true, freeBytes: 2 << 30) == [
                "pipeline: the order worker has not completed a round for 301 s (limit 300 s)"
            ])
        readiness.pipelineRoundCompleted()
        #expect(readiness.problems(registryReadable: true, freeBytes: 2 << 30).isEmpty)
        #expect(
            readiness.problems(registryReadable: false, freeBytes: 512 << 20) == [
                "registry: platform.sqlite cannot be read",
                "disk: 512 MiB free on the data disk, less than 1024 MiB",
            ])
    }

    /// A service that notes, when told to shut down, whether readiness already said "draining".
    final class Witness: Service {
        let readiness: Readiness
        let sawDraining = Mutex<Bool?>(nil)

        init(readiness: Readiness) {
            self.readiness = readiness
        }

        func run() async throws {
            try? await gracefulShutdown()
            let draining = readiness.isDraining
            sawDraining.withLock { $0 = draining }
        }
    }

    @Test("on shutdown readiness turns 503 before the application is told to stop")
    func drainComesFirst() async throws {
        let readiness = Readiness()
        let witness = Witness(readiness: readiness)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: witness), .init(service: DrainSignal(readiness: readiness, delay: .zero)),
                ], logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(readiness.isDraining)
        #expect(witness.sawDraining.withLock { $0 } == true)
    }
}
