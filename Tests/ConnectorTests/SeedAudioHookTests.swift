import AsyncHTTPClient
import Connector
import Foundation
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `OrgConnector.Options.seedAudio`: the Audio Connector client runs as a child of a `protocol: seed` org's
/// connector with `audio:`, reports the region onto the org's status, and stops with the connector. (The org's
/// API is unreachable here: the hook runs whether or not the connector is connected.)
@Suite(.timeLimit(.minutes(1))) struct SeedAudioHookTests {
    final class Calls: Sendable {
        let state = Mutex<(started: [OrgID], cancelled: Int)>(([], 0))
    }

    actor StatusSink: BridgeEventSink {
        var regions: [String?] = []
        func ingest(org: OrgID, events: [BridgeEvent]) async {
            for case .connector(let s) in events { regions.append(s.audioRegion) }
        }
    }

    static func org(_ proto: UpstreamProtocol, audio: SeedAudioConfig?) -> OrgConfig {
        var t = OrgTunables()
        t.requestTimeout = .milliseconds(300)
        t.backoffInitial = .milliseconds(50)
        return OrgConfig(id: "us", name: "US", apiBase: "http://127.0.0.1:1", loginBase: "http://127.0.0.1:1",
                         clientId: "c", clientSecret: Secret("s"), timezone: .gmt, upstreamProtocol: proto, tunables: t,
                         seedAudio: audio)
    }

    static func options(_ calls: Calls) -> OrgConnector.Options {
        var o = OrgConnector.Options()
        o.utilization = false
        o.quality = false
        o.queueService = false
        o.directoryRefreshInterval = .zero
        o.seedAudio = { context in
            calls.state.withLock { $0.started.append(context.org.id) }
            await context.reportRegion("eu-west-1")
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
            calls.state.withLock { $0.cancelled += 1 }
        }
        return o
    }

    @Test func aSeedOrgWithAudioRunsTheClientUntilTheConnectorStops() async throws {
        let calls = Calls()
        let sink = StatusSink()
        let connector = OrgConnector(org: Self.org(.seed, audio: SeedAudioConfig()), http: HTTPClient.shared, sink: sink,
                                     options: Self.options(calls))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connector.run() }
            #expect(await eventually("the region on the status") { connector.status.audioRegion == "eu-west-1" })
            #expect(await eventually("the region sent with the status") { await sink.regions.contains("eu-west-1") })
            group.cancelAll()
        }
        #expect(calls.state.withLock { $0.started } == ["us"])
        #expect(calls.state.withLock { $0.cancelled } == 1)
    }

    @Test func otherOrgsDoNotRunIt() async throws {
        for org in [Self.org(.seed, audio: nil), Self.org(.genesys, audio: nil)] {
            let calls = Calls()
            let connector = OrgConnector(org: org, http: HTTPClient.shared, sink: StatusSink(), options: Self.options(calls))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await connector.run() }
                // The connector is up (trying to reach its API) before it is stopped.
                #expect(await eventually("the connector reports") { connector.status.detail != "starting" })
                group.cancelAll()
            }
            #expect(calls.state.withLock { $0.started }.isEmpty)
        }
    }
}
