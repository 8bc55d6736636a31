import ServiceLifecycle
import Synchronization

/// Runs the simulator's HTTP server so that stopping the simulator cannot hang on it.
///
/// Why not a plain child task: Hummingbird 2's server now and then never returns from a shutdown — after
/// cancellation it logs `Waiting on child channel: CancellationError()` and then waits for a connection task
/// that stays suspended although every connection is closed (seen in this suite; DEVELOPERS.md, "Known
/// issues"). The simulator is a test double and must not hold up whoever stops it, so the server runs in a
/// task of its own (it inherits the graceful-shutdown context), and once a shutdown or a cancellation began
/// the simulator waits for it at most `grace`, then leaves it behind.
enum SimServerRun {
    static func run(grace: Duration, _ serve: @escaping @Sendable () async throws -> Void) async throws {
        let server = Task { try await serve() }
        let outcome = Once()
        let watcher = Task {
            do { try await gracefulShutdown() } catch {}
            try? await Task.sleep(for: grace)
            outcome.finish(.abandoned)
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<Outcome, Never>) in
                outcome.set(cont)
                Task {
                    do {
                        try await server.value
                        outcome.finish(.finished(nil))
                    } catch {
                        outcome.finish(.finished(error))
                    }
                }
            }
        } onCancel: {
            server.cancel()
            watcher.cancel()
        }
        watcher.cancel()
        if case .finished(let error?) = result { throw error }
    }

    enum Outcome: Sendable {
        case finished((any Error)?)
        case abandoned
    }

    /// Resumes the continuation with the first outcome; later ones (and one before the continuation is set)
    /// are kept or ignored accordingly.
    final class Once: Sendable {
        private let state = Mutex<(cont: CheckedContinuation<Outcome, Never>?, early: Outcome?, done: Bool)>((nil, nil, false))

        func set(_ cont: CheckedContinuation<Outcome, Never>) {
            let early: Outcome? = state.withLock { s in
                if let e = s.early, !s.done { s.done = true; return e }
                s.cont = cont
                return nil
            }
            if let early { cont.resume(returning: early) }
        }

        func finish(_ outcome: Outcome) {
            let cont: CheckedContinuation<Outcome, Never>? = state.withLock { s in
                guard !s.done else { return nil }
                guard let c = s.cont else {
                    if s.early == nil { s.early = outcome }
                    return nil
                }
                s.done = true
                s.cont = nil
                return c
            }
            cont?.resume(returning: outcome)
        }
    }
}
