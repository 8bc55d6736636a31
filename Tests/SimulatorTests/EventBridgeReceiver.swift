import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
@testable import Simulator
import Synchronization
import SwitchboardCore
import Testing

/// A tiny EventBridge API destination for the push tests: `POST /ingest/<org>` records the request (org,
/// `x-api-key`, the events) and answers as scripted — the first statuses in `script` (503, 401, or `-1` to
/// wait `slow` before a 202), then 202 with the bridge's body `{"accepted","duplicates","refused"}` (events
/// whose id is in `refuse` listed as refused, ids seen before counted as duplicates); 401 without the `key`
/// when one is set.
final class EventBridgeReceiver: Sendable {
    struct Request: Sendable {
        let org: String
        let key: String?
        let status: Int
        let body: Data
        /// The events as JSON objects (a single object body gives one).
        var events: [[String: Any]] {
            let json = try? JSONSerialization.jsonObject(with: body)
            return (json as? [[String: Any]]) ?? ((json as? [String: Any]).map { [$0] } ?? [])
        }
        var wasArray: Bool { (try? JSONSerialization.jsonObject(with: body)) is [Any] }
    }

    private struct State {
        var script: [Int]
        var requests: [Request] = []
        var refuse: Set<String> = []
        var seen: Set<String> = []
        var port: Int?
    }
    private let state: Mutex<State>
    let slow: Duration
    /// When set, a request without this `x-api-key` is answered 401.
    let key: String?

    init(script: [Int] = [], slow: Duration = .seconds(1), key: String? = nil) {
        state = Mutex(State(script: script))
        self.slow = slow
        self.key = key
    }

    var requests: [Request] { state.withLock { $0.requests } }
    var port: Int? { state.withLock { $0.port } }
    /// Every event received, in order (repeats included).
    var events: [[String: Any]] { requests.filter { $0.status == 202 }.flatMap(\.events) }
    var ids: [String] { events.compactMap { $0["id"] as? String } }
    func refuse(_ ids: Set<String>) { state.withLock { $0.refuse = ids } }

    func application(port: Int = 0) -> some ApplicationProtocol {
        let router = Router()
        router.post("/ingest/:org") { [self] request, context -> Response in
            let org = context.parameters.get("org") ?? ""
            let key = request.headers.first { $0.name.rawName.lowercased() == "x-api-key" }?.value
            let buffer = try await request.body.collect(upTo: 16 << 20)
            let data = Data(buffer.readableBytesView)
            let json = try? JSONSerialization.jsonObject(with: data)
            let events = (json as? [[String: Any]]) ?? ((json as? [String: Any]).map { [$0] } ?? [])
            let ids = events.map { $0["id"] as? String ?? "" }
            var status = state.withLock { s in s.script.isEmpty ? 202 : s.script.removeFirst() }
            if let expected = self.key, key != expected { status = 401 }
            if status == -1 {
                try? await Task.sleep(for: slow)
                status = 202
            }
            let reply: String = state.withLock { s in
                s.requests.append(Request(org: org, key: key, status: status, body: data))
                guard status == 202 else { return #"{"message":"no"}"# }
                var refused: [String] = [], accepted = 0, duplicates = 0
                for (i, id) in ids.enumerated() {
                    if s.refuse.contains(id) {
                        refused.append(#"{"index":\#(i),"id":"\#(id)","reason":"refused by the test"}"#)
                    } else if !s.seen.insert(id).inserted {
                        duplicates += 1
                    } else {
                        accepted += 1
                    }
                }
                return #"{"accepted":\#(accepted),"duplicates":\#(duplicates),"refused":[\#(refused.joined(separator: ","))]}"#
            }
            var response = Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: reply)))
            response.headers[.contentType] = "application/json"
            return response
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                           onServerRunning: { [self] channel in state.withLock { $0.port = channel.localAddress?.port } })
    }

    /// Runs the receiver (on `port`, 0 = a free one) around `body`, which gets its base URL.
    func run(port: Int = 0, _ body: @Sendable (String) async throws -> Void) async throws {
        var logger = Logger(label: "eventbridge-receiver")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [application(port: port)], gracefulShutdownSignals: [],
                                                      logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            try await eventually("the receiver listens") { self.port != nil }
            do {
                try await body("http://127.0.0.1:\(self.port!)/ingest")
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tg.waitForAll()
        }
    }
}
