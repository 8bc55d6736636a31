import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

/// One accepted seed Audio Connector WebSocket: a bounded outbox drained by the connection's writer task, and
/// the NIO channel for abrupt closes. Queuing never blocks the run loop: a connection whose outbox is full is
/// too slow and is closed abruptly, so one slow client never holds up the others.
final class SimSeedSocket: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        case binary(ByteBuffer)
        /// A close frame with this code and reason, then the end of the connection.
        case close(code: UInt16, reason: String)
    }

    let id: UInt64
    let org: String
    private let continuation: AsyncStream<Outgoing>.Continuation
    private let nio: any Channel
    private let finished = Atomic<Bool>(false)
    private let overflowed = Atomic<Bool>(false)

    init(id: UInt64, org: String, continuation: AsyncStream<Outgoing>.Continuation, nio: any Channel) {
        self.id = id
        self.org = org
        self.continuation = continuation
        self.nio = nio
    }

    /// Queues a message. False when the socket is closed, or was just closed for being slow.
    @discardableResult
    func send(_ message: Outgoing) -> Bool {
        guard !finished.load(ordering: .relaxed) else { return false }
        switch continuation.yield(message) {
        case .enqueued: return true
        case .dropped:
            overflowed.store(true, ordering: .relaxed)
            abort()
            return false
        case .terminated: return false
        @unknown default: return false
        }
    }

    /// Sends a close frame with `code` after what is queued, then ends.
    func close(code: UInt16, reason: String) {
        guard !finished.load(ordering: .relaxed) else { return }
        if case .enqueued = continuation.yield(.close(code: code, reason: reason)) {
            finished.store(true, ordering: .relaxed)
            continuation.finish()
        } else {
            abort()
        }
    }

    /// Abrupt TCP close: no close frame. The outbox ends only once the channel is closed, so the connection's
    /// handler cannot end first and send a normal close frame.
    func abort() {
        finished.store(true, ordering: .relaxed)
        let closed = nio.eventLoop.makePromise(of: Void.self)
        closed.futureResult.whenComplete { [continuation] _ in continuation.finish() }
        nio.close(promise: closed)
    }

    var isFinished: Bool { finished.load(ordering: .relaxed) }
    /// Whether it was closed for falling behind.
    var wasTooSlow: Bool { overflowed.load(ordering: .relaxed) }
}

extension SimSeedSocket {
    /// Writes what a socket's continuation yields until a close is asked for or a write fails (the seed Audio
    /// Connector's and the seed event stream's sockets).
    static func write(_ stream: AsyncStream<Outgoing>, to outbound: WebSocketOutboundWriter) async {
        writing: for await item in stream {
            do {
                switch item {
                case .text(let text): try await outbound.write(.text(text))
                case .binary(let bytes): try await outbound.write(.binary(bytes))
                case .close(let code, let reason):
                    try await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason)
                    break writing
                }
            } catch {
                break writing
            }
        }
    }
}
