import Hub
import ServiceLifecycle
import SwitchboardCore
import Views

/// Asks the views to recompute time-dependent figures every `interval` (rolling windows move and days
/// roll over even when no event arrives) and mirrors the business figures into Prometheus gauges.
/// Between refreshes it sweeps every `sweepInterval` (the hub's flush interval), so agents' figure
/// updates reach clients as an even trickle instead of one large delta per refresh.
struct ViewRefreshService: Service {
    let views: ViewEngine
    let observer: BridgeObserver
    let interval: Duration
    var sweepInterval: Duration = .milliseconds(250)
    /// Called after each refresh until it returns true (the hub's resume settling, StreamHub+Resume).
    var afterRefresh: (@Sendable () async -> Bool)? = nil

    func run() async throws {
        // Graceful shutdown cancels the sleep; that is a normal end, not a failure.
        // Org entities appear on the first refresh, so refresh at once rather than after one interval.
        await views.refresh()
        try? await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var nextRefresh = clock.now.advanced(by: interval)
            var pending = afterRefresh
            while !Task.isCancelled {
                let step = sweepInterval > .zero && sweepInterval < interval ? sweepInterval : interval
                try await Task.sleep(until: min(clock.now.advanced(by: step), nextRefresh), clock: clock)
                if clock.now >= nextRefresh {
                    nextRefresh = clock.now.advanced(by: interval)
                    await views.refresh()
                    await observer.recordBusinessFigures()
                    if let p = pending, await p() { pending = nil }
                } else {
                    await views.sweep()
                }
            }
        }
    }
}
