import Foundation
import Hummingbird
import HummingbirdWebSocket
@testable import Hub
import Logging
import NIOCore
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The Autobahn|Testsuite fuzzing client (`wstest -m fuzzingclient`) against the stream's WebSocket
/// stack — the same listener gate, masking check, frame rules and channel handler as `/v1/stream`, with an
/// echo in place of the hub's session (the suite judges most cases by what is echoed). Opt-in: it needs
/// `wstest`, which runs on Python 2.7 only; `scripts/autobahn.sh` installs it and runs this. Results
/// are in docs/security.md ("WebSocket conformance").
@Suite("Autobahn fuzzing client", .enabled(if: ProcessInfo.processInfo.environment["SWITCHBOARD_WSTEST"] != nil))
struct AutobahnFuzzingTests {
    /// Sections 1–7 (framing — text only, 1.1: binary messages are answered with an error, not echoed —, pings,
    /// reserved bits, opcodes, fragmentation, UTF-8, closing) and 10 (auto-fragmentation). 9 (performance, messages up to 16 MB), 12 and 13 (permessage-deflate,
    /// which the bridge does not offer) are not run.
    static let cases = ["1.1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"]

    /// The echo server: `server` settings as the bridge has them, the stream's own channel handler
    /// (``StreamChannelHandler``: frame rules, pings, closes) behind the same gate and masking check, with an echo
    /// of every text message in place of the hub's session. Binary messages get the stream's `bad-request` error
    /// (the protocol is JSON text), so the binary cases are not run.
    static func withEchoServer(_ server: ServerConfig, _ body: @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "autobahn-echo")
        logger.logLevel = .warning
        let hub = try await StreamHub(configuration: server, auth: HubHarness.auth([]), metrics: HubMetrics(), logger: logger)
        let maxInbound = server.maxInboundFrameBytes, maxOutbound = max(server.maxOutboundFrameBytes, 1024)
        let policy = ConnectionGatePolicy(configuration: server, streamPath: "/echo", metrics: HubMetrics(),
                                          logger: logger) { _ in true }
        let log = logger
        let install: @Sendable (any Channel) throws -> Void = { channel in
            guard let conn = hub.connect(principal: HubPrincipal(name: "autobahn", scopes: [.admin], expiresAt: nil),
                                         token: nil, forceClose: { [weak channel] in channel?.close(promise: nil) })
            else { throw ChannelError.ioOnClosedChannel }
            try channel.pipeline.syncOperations.addHandler(StreamChannelHandler(
                hub: hub, conn: conn, logger: log, maxFrameBytes: maxOutbound, maxInboundBytes: maxInbound, deflate: false,
                onMessage: { message in
                    switch message {
                    case .text(let text): conn.push(.control(ByteBuffer(string: text)))
                    case .binary: conn.push(.control(HubFrame.error("bad-request", "frames are JSON text")))
                    }
                }))
        }
        let (ports, cont) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: Router(context: HubRequestContext.self),
            server: .streamServer(configuration: streamChannelConfiguration(server), policy: policy) { _, _ in
                .stream([:], install: install)
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { cont.yield($0.localAddress?.port ?? 0); cont.finish() },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tg.waitForAll()
        }
    }

    @Test func theFuzzingClientFindsNoFailure() async throws {
        let env = ProcessInfo.processInfo.environment
        let wstest = try #require(env["SWITCHBOARD_WSTEST"])
        let dir = URL(fileURLWithPath: env["SWITCHBOARD_WSTEST_OUT"] ?? NSTemporaryDirectory())
            .appendingPathComponent("autobahn-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let server = HubHarness.config()  // maxInboundFrameBytes 64 KiB, as shipped
        try await Self.withEchoServer(server) { port in
            let spec: [String: Any] = [
                "outdir": dir.appendingPathComponent("reports").path,
                "servers": [["agent": "switchboard", "url": "ws://127.0.0.1:\(port)/echo"]],
                "cases": Self.cases, "exclude-cases": [], "exclude-agent-cases": [:],
            ]
            let specURL = dir.appendingPathComponent("fuzzingclient.json")
            try JSONSerialization.data(withJSONObject: spec).write(to: specURL)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: wstest)
            p.arguments = ["-m", "fuzzingclient", "-s", specURL.path]
            p.currentDirectoryURL = dir
            p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try p.run()
            let deadline = ContinuousClock.now + .seconds(900)
            while p.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            if p.isRunning { p.terminate() }
            #expect(p.terminationStatus == 0)
        }
        let index = dir.appendingPathComponent("reports/index.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
        let results = try #require(json["switchboard"] as? [String: [String: Any]])
        var tally: [String: [String]] = [:]
        for (id, r) in results {
            let behavior = r["behavior"] as? String ?? "?", close = r["behaviorClose"] as? String ?? "?"
            tally["\(behavior)/\(close)", default: []].append(id)
        }
        let summary = tally.keys.sorted().map { "\($0): \(tally[$0]!.count)" }.joined(separator: ", ")
        let notOK = results.filter { ($0.value["behavior"] as? String) == "FAILED" }.keys.sorted()
        try (summary + "\nFAILED: " + notOK.joined(separator: " ") + "\n")
            .write(to: dir.appendingPathComponent("summary.txt"), atomically: true, encoding: .utf8)
        print("autobahn: \(results.count) cases; \(summary); report in \(dir.path)/reports")
        #expect(results.count > 200)
        #expect(notOK.isEmpty, "FAILED: \(notOK.joined(separator: " "))")
    }
}
