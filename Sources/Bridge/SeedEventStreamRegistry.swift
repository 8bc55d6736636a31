import Connector
import EventStream
import Foundation
import Metrics
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// The seed journey event stream clients running now, one per `protocol: seed` org with `journeys:`
/// (docs/journeys.md, "The seed's event stream"). Each runs inside its org's connector
/// (``OrgConnector/Options/seedEventStream`` calls ``run(_:)``), so it shares the connector's token lifecycle and
/// stops with it; the registry lets `/readyz` and tests read their state.
public final class SeedEventStreamRegistry: Sendable {
    let clock: any WallClock
    let metricsFactory: (any MetricsFactory)?
    let configuration: SeedEventStream.Configuration
    private let running = Mutex<[OrgID: SeedEventStream]>([:])

    public init(clock: any WallClock, metricsFactory: (any MetricsFactory)? = nil,
                configuration: SeedEventStream.Configuration = .init()) {
        self.clock = clock
        self.metricsFactory = metricsFactory
        self.configuration = configuration
    }

    /// Runs the org's client until cancelled (the connector's child task).
    public func run(_ context: SeedEventStreamContext) async {
        var c = configuration
        if let rate = context.org.journeys?.eventStream?.maxEventsPerSecond { c.maxEventsPerSecond = rate }
        let stream = SeedEventStream(
            org: context.org.id, transport: .rest(context.rest), sink: context.journeys, clock: clock, configuration: c,
            reporter: .init(problem: context.reportProblem, alert: context.alert), metricsFactory: metricsFactory)
        running.withLock { $0[context.org.id] = stream }
        await stream.run()
        running.withLock { if $0[context.org.id] === stream { $0[context.org.id] = nil } }
    }

    /// The org's event stream now, while its client runs.
    public func status(of org: OrgID) -> SeedEventStream.Status? {
        running.withLock { $0[org] }?.status
    }
}
