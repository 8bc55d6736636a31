import Synchronization
import SwitchboardCore

/// A connector's transcription bookkeeping, shared by its socket tasks (which feed it conversation snapshots
/// and transcription messages) and its session (which flushes the topic changes): the
/// ``TranscriptionTopicStateMachine``, a filter for repeated finals, and the flusher's wake-up.
final class TranscriptionTopics: Sendable {
    struct State: Sendable {
        var machine: TranscriptionTopicStateMachine
        var seen = RecentKeys(capacity: 65_536)
        /// The status last reported (so only changes are).
        var reported: TranscriptionTopicStateMachine.Status?
    }

    let box: LockedBox<State>
    let wakeup = Wakeup()

    init(configuration: TranscriptionTopicStateMachine.Configuration, enabled: Bool) {
        box = LockedBox(State(machine: TranscriptionTopicStateMachine(configuration: configuration, enabled: enabled)))
    }

    var enabled: Bool { box.withLock { $0.machine.enabled } }
    var status: TranscriptionTopicStateMachine.Status { box.withLock { $0.machine.status } }

    func setEnabled(_ on: Bool) {
        box.withLock { $0.machine.setEnabled(on, now: .now) }
        wakeup.signal()
    }

    /// The voice legs of a `users.conversations` batch.
    func observe(_ events: [BridgeEvent]) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let changed = box.withLock { s -> Bool in
            var changed = false
            for case .agentInteraction(let x) in events where x.mediaType == "voice" {
                if s.machine.interaction(conversation: x.conversationID, leg: x.agent.platformID,
                                         observedAt: x.observedAt, ended: x.disconnectedAt != nil, now: now) {
                    changed = true
                }
            }
            return changed
        }
        if changed { wakeup.signal() }
    }

    /// Transcription events as received: keeps the conversation alive, notes `SESSION_ENDED`, and drops a final
    /// or an end seen before (a duplicated message; the overlap of a rollover, when both channels carry the topic).
    func received(_ events: [TranscriptEvent]) -> [TranscriptEvent] {
        let now = ContinuousClock.now
        return box.withLock { s in
            var out: [TranscriptEvent] = []
            out.reserveCapacity(events.count)
            for e in events {
                switch e {
                case .utterance(let u):
                    s.machine.transcript(conversation: u.conversationID, sessionEnded: false, now: now)
                    if u.isFinal && !s.seen.insert(u.conversationID + "\u{1F}" + u.utteranceID) { continue }
                case .ended(let x):
                    s.machine.transcript(conversation: x.conversationID, sessionEnded: true, now: now)
                    if !s.seen.insert(x.conversationID + "\u{1F}\u{1F}ended") { continue }
                case .spotted:
                    break
                }
                out.append(e)
            }
            return out
        }
    }
}

/// A set of the most recent `capacity` keys: older keys are forgotten first.
struct RecentKeys: Sendable {
    let capacity: Int
    private var keys: Set<String> = []
    private var order: [String] = []
    private var head = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Adds `key`; false when it is already there.
    mutating func insert(_ key: String) -> Bool {
        guard keys.insert(key).inserted else { return false }
        order.append(key)
        if keys.count > capacity {
            keys.remove(order[head])
            head += 1
            if head >= capacity {
                order.removeFirst(head)
                head = 0
            }
        }
        return true
    }

    var count: Int { keys.count }
}

/// Wakes one waiting task: ``signal()`` before ``wait(until:)`` is remembered, so no wake-up is lost.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the first of: a signal, `deadline` (nil: none), cancellation.
    func wait(until deadline: ContinuousClock.Instant?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.signalled() }
            if let deadline { group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) } }
            _ = await group.next()
            group.cancelAll()
            // A signal that came with the deadline wakes the next wait at once; that is harmless.
            self.cancelWaiter()
        }
    }

    private func signalled() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled {
                        s.pending = false
                        return true
                    }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            self.cancelWaiter()
        }
    }

    private func cancelWaiter() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }
}
