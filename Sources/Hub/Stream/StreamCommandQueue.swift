import DequeModule
import Synchronization

/// One connection's client messages waiting for its ``StreamSession``: appended by the channel handler on the
/// socket's event loop, handled one at a time, in order, by a pump — a job on the hub's task group
/// (``StreamHub/perform(_:)``) that exists only while messages wait. An idle connection has no task.
///
/// Bounded: from ``pauseAt`` waiting messages the handler stops reading the socket (TCP pushes back on the
/// client) until the pump is down to ``resumeAt``, as the async reader it replaces did by awaiting each one.
final class StreamCommandQueue: Sendable {
    static let pauseAt = 16
    static let resumeAt = 4

    private struct State {
        var waiting = Deque<StreamChannelHandler.Message>()
        var pumping = false
        var closed = false
    }

    private let state = Mutex(State())

    /// What the handler must do after an append.
    struct Appended: Equatable {
        /// No pump runs: start one.
        var startPump: Bool
        /// Stop reading the socket.
        var pause: Bool
    }

    /// Appends a message; nothing (and no pump) once closed.
    func append(_ message: StreamChannelHandler.Message) -> Appended {
        state.withLock { s in
            guard !s.closed else { return Appended(startPump: false, pause: false) }
            s.waiting.append(message)
            let start = !s.pumping
            s.pumping = true
            return Appended(startPump: start, pause: s.waiting.count >= Self.pauseAt)
        }
    }

    /// The pump's next message, with whether reading may resume; nil ends the pump (it is marked stopped
    /// under the same lock, so a message appended right after starts a new one).
    func next() -> (message: StreamChannelHandler.Message, resume: Bool)? {
        state.withLock { s in
            guard !s.closed, let message = s.waiting.popFirst() else {
                s.pumping = false
                return nil
            }
            return (message, s.waiting.count == Self.resumeAt)
        }
    }

    /// The connection ended: what waits is dropped.
    func close() {
        state.withLock {
            $0.closed = true
            $0.waiting.removeAll()
        }
    }
}
