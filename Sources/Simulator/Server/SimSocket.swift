import NIOCore
import Synchronization

/// One accepted notification WebSocket: a bounded outgoing queue drained by the connection's
/// writer task, and the NIO channel for abrupt closes. Sending never blocks the model: when the
/// queue is full the client is too slow and the socket is closed.
final class SimSocket: Sendable {
    let id: UInt64
    let channelID: String
    private let continuation: AsyncStream<String>.Continuation
    private let nio: any Channel
    private let finished = Atomic<Bool>(false)

    init(id: UInt64, channelID: String, continuation: AsyncStream<String>.Continuation, nio: any Channel) {
        self.id = id
        self.channelID = channelID
        self.continuation = continuation
        self.nio = nio
    }

    /// Queues a text frame. Returns false when the socket is closed or was just closed for being slow.
    @discardableResult
    func send(_ text: String) -> Bool {
        guard !finished.load(ordering: .relaxed) else { return false }
        switch continuation.yield(text) {
        case .enqueued: return true
        case .dropped:
            abort()
            return false
        case .terminated: return false
        @unknown default: return false
        }
    }

    /// Closes after the queued frames are written (a normal close frame follows).
    func finish() {
        finished.store(true, ordering: .relaxed)
        continuation.finish()
    }

    /// Abrupt TCP close: no close frame.
    func abort() {
        finished.store(true, ordering: .relaxed)
        continuation.finish()
        nio.close(promise: nil)
    }

    var isFinished: Bool { finished.load(ordering: .relaxed) }
}
