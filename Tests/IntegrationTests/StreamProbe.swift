import Foundation
import HummingbirdWSClient
import Logging
import Synchronization

/// A stream client for the end-to-end tests: connects to `/v1/stream`, sends what it is given, and keeps every text
/// message (JSON) it receives.
final class StreamProbe: Sendable {
    let messages = Mutex<[String]>([])
    /// What happened to the connection (for failure messages).
    let events = Mutex<[String]>(["started"])
    let out: AsyncStream<String>
    let outbox: AsyncStream<String>.Continuation

    init() { (out, outbox) = AsyncStream.makeStream(of: String.self) }

    func run(url: String) async {
        var logger = Logger(label: "test.stream")
        logger.logLevel = .warning
        let out = self.out
        do {
            // Snapshots are larger than the client's default 16 KiB frame.
            _ = try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 22),
                                                  logger: logger) { inbound, outbound, _ in
                self.events.withLock { $0.append("connected") }
                try await withThrowingTaskGroup(of: Void.self) { g in
                    g.addTask { for await m in out { try await outbound.write(.text(m)) } }
                    for try await msg in inbound.messages(maxSize: 64 << 20) {
                        if case .text(let s) = msg { self.messages.withLock { $0.append(s) } }
                    }
                    g.cancelAll()
                }
            }
        } catch {
            self.events.withLock { $0.append("connection failed: \(error)") }
        }
    }

    func send(_ text: String) { outbox.yield(text) }
    func stop() { outbox.finish() }

    /// Every message of `type` (and `kind`, for alerts) so far.
    func received(type: String, kind: String? = nil) -> [[String: Any]] {
        messages.withLock { $0 }.compactMap { text in
            guard let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  o["type"] as? String == type, kind == nil || o["kind"] as? String == kind else { return nil }
            return o
        }
    }
}
