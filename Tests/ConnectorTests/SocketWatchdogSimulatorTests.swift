import AsyncHTTPClient
import Connector
import Foundation
import Logging
import Simulator
import SwitchboardCore
import Testing

/// An org whose topics take several channels has a socket per channel; each is judged by its own watchdog. With one
/// watchdog fed by every socket, the heartbeats of the live sockets kept a silent one's session `open` for good, and
/// the events of the topics on the silent channel stopped without a word.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SocketWatchdogSimulatorTests {
    final class Reconnects: ConnectorObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var reasons: [String] = []
        func reconnecting(org: OrgID, reason: String) { lock.withLock { reasons.append(reason) } }
        var all: [String] { lock.withLock { reasons } }
    }

    @Test func oneSilentSocketOfSeveralIsFoundStaleAndReplaced() async throws {
        await withSimulatedOrg(ConnectorSimulatorTests.simulatorOptions(seed: 23)) { sim, clock, org, group in
            let sink = RecordingSink()
            let observer = Reconnects()
            var connectorOptions = ConnectorSimulatorTests.fastOptions()
            connectorOptions.topicsPerChannel = 10  // 8 agents' and the queues' topics: several channels
            let connector = OrgConnector(org: org, productivePresences: [.onQueue, .available], http: HTTPClient.shared,
                                         sink: sink, clock: clock, observer: observer, options: connectorOptions,
                                         onAlert: { a in Task { await sink.alert(a) } })
            group.addTask { try? await connector.run() }
            #expect(await eventually("open") { await sink.last == .open })
            #expect(await eventually("several live sockets") { await sim.liveSockets(org: "us") >= 2 })
            let sockets = await sim.liveSockets(org: "us")
            let mark = await sink.count

            let injected = await sim.inject(.ghostOne, org: "us")
            #expect(injected.first?.detail == "1 of \(sockets) live socket(s) ghosted (the newest)")
            // The others keep sending heartbeats every 300 ms; the silent one alone must end the session.
            #expect(await eventually("stale on the silent socket", seconds: 10) { await sink.since(mark).contains(.stale) })
            #expect(observer.all.contains("stale"))
            #expect(await eventually("open again on fresh sockets") {
                let seq = await sink.since(mark)
                return seq.last == .open && seq.contains(.stale)
            })
            #expect(await eventually("every channel live again") { await sim.liveSockets(org: "us") == sockets })
            #expect(await sink.alerts.contains(.upstreamStale))
        }
    }
}
