import JourneyViews
import ServiceLifecycle
import SwitchboardCore

/// In a cluster (docs/scale-out.md, "EventBridge on any replica"): the leader of an org stages the EventBridge
/// deliveries other replicas accepted for it. A load balancer sends a delivery to any replica; that replica stores
/// it in the shared store before answering `202` (as it does alone), but only the org's leader publishes its
/// journeys. So every `interval` the leader reads, for each org it leads with journeys, the deliveries received in
/// the last `lookback` and stages those with event ids it has not seen (its own deliveries and those read before
/// are dropped as duplicates, like a retry). The lookback covers a delivery committed late and the replicas'
/// clocks being apart; reading by time rather than by row id because several replicas write an org's deliveries,
/// and their ids do not commit in order.
///
/// A loop of its own rather than a database notification: it needs no second listening channel, and it also picks
/// up what a notification lost while a connection was down.
struct EventBridgeCatchUp: Service {
    let journeys: JourneyViewEngine
    let clock: any WallClock
    /// The orgs this replica leads now and has prepared.
    let led: @Sendable () -> [OrgID]
    var interval: Duration = .seconds(1)
    var lookback: EpochMillis = 15_000

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let since = clock.now() - lookback
                for org in led() { await journeys.replayEventBridge(org: org, since: since) }
            }
        }
    }
}
