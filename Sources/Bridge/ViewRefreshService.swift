import Hub
import ServiceLifecycle
import SwitchboardCore
import Views

/// Asks the views to recompute time-dependent figures every `interval` (rolling windows move and days
/// roll over even when no event arrives) and mirrors the business figures into Prometheus gauges.
struct ViewRefreshService: Service {
    let views: ViewEngine
    let observer: BridgeObserver
    let interval: Duration

    func run() async throws {
        // Graceful shutdown cancels the sleep; that is a normal end, not a failure.
        // Org entities appear on the first refresh, so refresh at once rather than after one interval.
        await views.refresh()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await views.refresh()
                await observer.recordBusinessFigures()
            }
        }
    }
}
