import Foundation
@testable import Hub
import Logging
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A graceful shutdown ends every stream with a close `1000` (docs/protocol.md, "Close codes"): the streams are
/// served by channel handlers with no task of their own, so nothing but the listener's quiescing and the hub
/// closes them.
@Suite("Streams at a graceful shutdown")
struct StreamShutdownTests {
    @Test func everyStreamGetsAClose1000AndTheServerStopsAlsoWhenAClientNeverAnswers() async throws {
        var logger = Logger(label: "hub-tests")
        logger.logLevel = .warning
        let server = HubHarness.config()
        let hub = try await StreamHub(configuration: server, auth: HubHarness.auth([("dash", "t-global", [.global])]),
                                      metrics: HubMetrics(), logger: logger, closeGrace: .milliseconds(500))
        hub.setOrgs(["us"])
        let (ports, portCont) = AsyncStream.makeStream(of: Int.self)
        let app = makeBridgeApplication(
            hub: hub, configuration: server,
            readiness: { ReadinessReport(ready: true, configLoadedAt: "2026-01-01T00:00:00.000Z", orgs: []) },
            logger: logger, onListening: { port in portCont.yield(port); portCont.finish() })
        let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            let answering = try await RawConnection.openStream(port: port, token: "t-global")
            let silent = try await RawConnection.openStream(port: port, token: "t-global")
            #expect(try await eventually { hub.connectionCount == 2 })

            await group.triggerGracefulShutdown()
            let close = try #require(try await answering.closeFrame())
            #expect(close.closeCode == 1000)
            #expect(close.text.dropFirst(2) == "shutdown")
            try await answering.send(bytes: RawFrame.close(code: 1000))
            #expect(try await answering.waitClosed(), "closed after the client's answer")

            #expect(try await silent.closeFrame()?.closeCode == 1000)
            #expect(try await silent.waitClosed(), "a client that never answers is closed after the grace")
            try await tg.waitForAll()
            #expect(hub.connectionCount == 0)
        }
    }
}
