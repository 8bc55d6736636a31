import AudioConnector
import Connector
import Foundation
import Logging
import Metrics
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// The seed Audio Connector clients running now, one per `protocol: seed` org with `audio:` (docs/audio.md). Each
/// runs inside its org's connector (``OrgConnector/Options/seedAudio`` calls ``run(_:)``), so it shares the
/// connector's token lifecycle and stops with it; the registry lets `/readyz` read their state and a reload apply
/// new filters without restarting them.
public final class SeedAudioRegistry: Sendable {
    struct State: Sendable {
        var running: [OrgID: SeedAudioConnector] = [:]
        /// The org configurations in force (a connector that starts after a reload takes the newest filters).
        var configs: [OrgID: OrgConfig] = [:]
    }

    let sink: any SpeechEventSink
    /// On-box keyword spotting's tap (nil: none).
    let tap: (any SpeechAudioTap)?
    let clock: any WallClock
    let metricsFactory: (any MetricsFactory)?
    let configuration: SeedAudioConnector.Configuration
    private let state = Mutex(State())

    public init(sink: any SpeechEventSink, tap: (any SpeechAudioTap)? = nil, clock: any WallClock,
                metricsFactory: (any MetricsFactory)? = nil, configuration: SeedAudioConnector.Configuration = .init()) {
        self.sink = sink
        self.tap = tap
        self.clock = clock
        self.metricsFactory = metricsFactory
        self.configuration = configuration
    }

    /// Runs the org's client until cancelled (the connector's child task).
    public func run(_ context: SeedAudioContext) async {
        let connector: SeedAudioConnector = state.withLock { s in
            var org = context.org
            if let newest = s.configs[org.id], newest.seedAudio != nil { org.seedAudio = newest.seedAudio }
            let c = SeedAudioConnector(org: org, transport: .rest(context.rest), sink: sink, tap: tap, clock: clock,
                                       configuration: configuration, metricsFactory: metricsFactory,
                                       onRegion: context.reportRegion)
            s.running[org.id] = c
            return c
        }
        await connector.run()
        state.withLock { s in
            if s.running[connector.org] === connector { s.running[connector.org] = nil }
        }
    }

    /// A configuration is in force: remembered for clients that start later; the orgs in `liveChanges`
    /// (``ConfigDiff/seedAudioChangedOrgs``) get their new filters now, without reconnecting.
    public func configure(_ config: SwitchboardConfiguration, liveChanges: [OrgID] = []) {
        let targets: [(SeedAudioConnector, OrgConfig)] = state.withLock { s in
            s.configs = Dictionary(config.orgs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            return liveChanges.compactMap { id in
                guard let c = s.running[id], let org = s.configs[id] else { return nil }
                return (c, org)
            }
        }
        for (connector, org) in targets { connector.apply(org) }
    }

    /// The org's Audio Connector state, while its client runs.
    public func status(of org: OrgID) -> SeedAudioConnector.Status? {
        state.withLock { $0.running[org] }?.status
    }

    /// Orgs whose client runs now.
    public var runningOrgs: [OrgID] { state.withLock { Array($0.running.keys) } }
}
