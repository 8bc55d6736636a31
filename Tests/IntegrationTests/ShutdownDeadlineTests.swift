import Bridge
import Synchronization
import Testing

/// `ShutdownDeadline`: the first stop signal starts the deadline, the deadline's end or a second signal exits, and a
/// stop that finishes in time exits nothing. Sleeping is injected, so no test waits for time to pass.
@Suite struct ShutdownDeadlineTests {
    final class Recorder: Sendable {
        let reasons = Mutex<[ShutdownDeadline<AsyncStream<Int>>.Reason]>([])
        let (exited, exitedContinuation) = AsyncStream<Void>.makeStream()
        func record(_ r: ShutdownDeadline<AsyncStream<Int>>.Reason) {
            reasons.withLock { $0.append(r) }
            exitedContinuation.yield()
        }
    }

    /// A sleep that returns only when the test releases it (or fails when cancelled).
    final class Gate: Sendable {
        let (released, release) = AsyncStream<Void>.makeStream()
        let (started, startedContinuation) = AsyncStream<Duration>.makeStream()
        func sleep(_ d: Duration) async throws {
            startedContinuation.yield(d)
            for await _ in released { return }
            throw CancellationError()
        }
    }

    /// A running service with a 30 s limit whose first stop signal has arrived: its deadline sleep has begun.
    static func signalled() async -> (send: AsyncStream<Int>.Continuation, recorder: Recorder, gate: Gate,
                                      task: Task<Void, any Error>, slept: Duration?) {
        let (signals, send) = AsyncStream<Int>.makeStream()
        let recorder = Recorder(), gate = Gate()
        let service = ShutdownDeadline(limit: .seconds(30), signals: signals, sleep: { try await gate.sleep($0) },
                                       exit: { recorder.record($0) })
        let task = Task { try await service.run() }
        var started = gate.started.makeAsyncIterator()
        send.yield(15)
        return (send, recorder, gate, task, await started.next())
    }

    @Test func theDeadlineStartsAtTheFirstSignalAndExitsWhenItPasses() async throws {
        let (_, recorder, gate, task, slept) = await Self.signalled()
        #expect(slept == .seconds(30))
        #expect(recorder.reasons.withLock { $0 }.isEmpty, "nothing exits before the deadline passes")
        gate.release.yield()
        var exited = recorder.exited.makeAsyncIterator()
        _ = await exited.next()
        #expect(recorder.reasons.withLock { $0 } == [.deadline(.seconds(30))])
        task.cancel()
        _ = try? await task.value
    }

    @Test func aSecondSignalExitsAtOnce() async throws {
        let (send, recorder, _, task, _) = await Self.signalled()
        send.yield(2)
        var exited = recorder.exited.makeAsyncIterator()
        _ = await exited.next()
        _ = try? await task.value
        #expect(recorder.reasons.withLock { $0 } == [.secondSignal], "the pending deadline is cancelled, not fired")
    }

    @Test func noSignalNoExit() async throws {
        let (signals, _) = AsyncStream<Int>.makeStream()
        let recorder = Recorder()
        let service = ShutdownDeadline(limit: .seconds(30), signals: signals, sleep: { _ in }, exit: { recorder.record($0) })
        let task = Task { try await service.run() }
        task.cancel()
        _ = try? await task.value
        #expect(recorder.reasons.withLock { $0 }.isEmpty)
    }
}
