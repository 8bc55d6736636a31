import ServiceLifecycle

/// A bound on how long a graceful stop may take, and a way out for an operator who cannot wait.
///
/// A graceful stop (SIGTERM, SIGINT) closes stream clients, stops connectors and stores what is retained; it
/// normally takes well under a second. When a part never returns (a server stuck waiting for a connection task, a
/// peer that never answers), the process would otherwise ignore SIGTERM for good — seen with the demo's in-process
/// simulator (DEVELOPERS.md, "Known issues"). This service, placed first in the process's `ServiceGroup` (so it is
/// the last one asked to stop and is cancelled once everything else has stopped), watches the same signals:
/// - the first signal starts the deadline; when it passes with the stop unfinished, `exit` runs with `.deadline`;
/// - a second signal runs `exit` with `.secondSignal` at once (press Ctrl-C twice).
///
/// `exit` ends the process in production (status 1 after a line naming the cause); tests pass a recorder.
public struct ShutdownDeadline<Signals: AsyncSequence & Sendable>: Service where Signals.Element: Sendable {
    public enum Reason: Sendable, Equatable {
        case deadline(Duration)
        case secondSignal
    }

    let limit: Duration
    let signals: Signals
    let sleep: @Sendable (Duration) async throws -> Void
    let exit: @Sendable (Reason) -> Void

    public init(limit: Duration, signals: Signals,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                exit: @escaping @Sendable (Reason) -> Void) {
        self.limit = limit
        self.signals = signals
        self.sleep = sleep
        self.exit = exit
    }

    public func run() async throws {
        // Cancelled when the group asks this service to stop: that happens only after every other service stopped.
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var seen = 0
                for try await _ in signals {
                    seen += 1
                    if seen == 1 {
                        let limit = self.limit, sleep = self.sleep, exit = self.exit
                        group.addTask {
                            try await sleep(limit)
                            exit(.deadline(limit))
                        }
                    } else {
                        exit(.secondSignal)
                        group.cancelAll()
                        return
                    }
                }
            }
        }
    }
}
