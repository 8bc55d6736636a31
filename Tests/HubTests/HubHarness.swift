import Foundation
import Hub
import HummingbirdWSClient
import HummingbirdWSCompression
import Logging
import NIOCore
import ServiceLifecycle
import Store
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A hub plus the bridge's HTTP server on a free loopback port, for one test.
struct HubHarness {
    let hub: StreamHub
    let port: Int
    /// The hub and the listener; a test may shut them down itself (``run`` does it again, harmlessly, at the end).
    let services: ServiceGroup

    static func config(_ tweak: (inout ServerConfig) -> Void = { _ in }) -> ServerConfig {
        var c = ServerConfig()
        c.listen = .init(host: "127.0.0.1", port: 0)
        c.flushInterval = .milliseconds(20)
        tweak(&c)
        return c
    }

    static func auth(_ clients: [(String, String, [Scope])], hs256: String? = nil, rs256PEM: String? = nil) -> AuthConfig {
        var a = AuthConfig()
        a.clients = clients.map { ClientConfig(name: $0.0, token: Secret($0.1), scopes: $0.2) }
        a.jwtHS256Secret = hs256.map(Secret.init)
        a.jwtRS256PublicKeyPEM = rs256PEM
        return a
    }

    /// Runs `body` against a live server; shuts everything down afterwards.
    static func run(
        server: ServerConfig = config(), auth: AuthConfig, orgs: [OrgID] = ["us", "emea"],
        writeTimeout: Duration = .seconds(10), logger custom: Logger? = nil, history: (any HistoryStore)? = nil,
        readiness: @escaping @Sendable () async -> ReadinessReport = {
            ReadinessReport(ready: true, configLoadedAt: "2026-01-01T00:00:00.000Z", orgs: [])
        },
        _ body: @Sendable (HubHarness) async throws -> Void
    ) async throws {
        var logger = Logger(label: "hub-tests")
        logger.logLevel = .warning
        if let custom { logger = custom }
        let hub = try await StreamHub(configuration: server, auth: auth, metrics: HubMetrics(), logger: logger,
                                      writeTimeout: writeTimeout, closeGrace: .milliseconds(500))
        hub.setOrgs(orgs)
        let (ports, portCont) = AsyncStream.makeStream(of: Int.self)
        let app = makeBridgeApplication(
            hub: hub, configuration: server,
            readiness: readiness,
            history: history,
            logger: logger, onListening: { port in portCont.yield(port); portCont.finish() })
        let group = ServiceGroup(configuration: .init(services: [hub, app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tg in
            tg.addTask { try await group.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            do {
                try await body(HubHarness(hub: hub, port: port, services: group))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tg.waitForAll()
        }
    }

    /// An agent change for `org` with `padding` extra bytes in its JSON.
    static func agent(_ org: String, _ id: String, _ presence: String = "ON_QUEUE", padding: Int = 0) -> EntityChange {
        let pad = padding > 0 ? ",\"pad\":\"" + String(repeating: "x", count: padding) + "\"" : ""
        return EntityChange(kind: .agents, id: "\(org)/\(id)", scope: .org(OrgID(org)),
                            json: EncodedJSON("{\"id\":\"\(org)/\(id)\",\"org\":\"\(org)\",\"presence\":\"\(presence)\"\(pad)}"))
    }
}

/// A test WebSocket client: records every text message; `send` queues a frame.
final class WSProbe: Sendable {
    struct Closed: Sendable {
        var code: UInt16?
        var reason: String?
    }
    private let messages = Mutex<[String]>([])
    private let cursor = Mutex(0)
    private let closedState = Mutex<Closed?>(nil)
    private let out: AsyncStream<String>
    private let outCont: AsyncStream<String>.Continuation
    let reads: Bool
    /// Largest frame the client accepts (the server fragments at `maxOutboundFrameBytes`, 1 MiB by default).
    let maxFrameSize: Int

    /// Offer permessage-deflate (hummingbird-websocket's client extension, which compresses every message it sends).
    let deflate: Bool

    init(reads: Bool = true, maxFrameSize: Int = 1 << 20, deflate: Bool = false) {
        self.reads = reads
        self.maxFrameSize = maxFrameSize
        self.deflate = deflate
        (out, outCont) = AsyncStream.makeStream(of: String.self)
    }

    func send(_ text: String) { outCont.yield(text) }
    /// Ends the client's handler (for a client that does not read).
    func stop() { outCont.finish() }
    var closed: Closed? { closedState.withLock { $0 } }
    var all: [String] { messages.withLock { $0 } }

    /// Connects and runs until the server closes or ``stop()``. Call inside a child task.
    func run(port: Int, token: String?) async {
        var logger = Logger(label: "probe")
        logger.logLevel = .warning
        let url = "ws://127.0.0.1:\(port)/v1/stream" + (token.map { "?access_token=\($0)" } ?? "")
        let out = self.out, reads = self.reads
        do {
            let extensions: [WebSocketExtensionFactory] = deflate
                ? [.perMessageDeflate(maxDecompressedFrameSize: 256 << 20, minFrameSizeToCompress: 1)] : []
            let frame = try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: maxFrameSize, extensions: extensions),
                                                             logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { g in
                    g.addTask { for await m in out { try await outbound.write(.text(m)) } }
                    if reads {
                        for try await msg in inbound.messages(maxSize: 256 << 20) {
                            if case .text(let s) = msg { self.messages.withLock { $0.append(s) } }
                        }
                        g.cancelAll()
                    } else {
                        try await g.next()
                    }
                }
            }
            closedState.withLock { $0 = Closed(code: frame.map { UInt16(webSocketErrorCode: $0.closeCode) }, reason: frame?.reason) }
        } catch {
            closedState.withLock { $0 = Closed(code: nil, reason: "\(error)") }
        }
    }

    /// The next message (after the previous one returned) matching `predicate`; messages skipped on
    /// the way are consumed. Polls with a generous bound.
    func next(timeout: Duration = .seconds(20), where predicate: ([String: Any]) -> Bool = { _ in true })
        async throws -> [String: Any]
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (batch, start) = messages.withLock { m in cursor.withLock { (Array(m[$0...]), $0) } }
            for (i, text) in batch.enumerated() {
                let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                if predicate(obj) {
                    cursor.withLock { $0 = start + i + 1 }
                    return obj
                }
            }
            cursor.withLock { $0 = start + batch.count }
            if closed != nil && batch.isEmpty { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ProbeTimeout(description: "no matching message within \(timeout); closed: \(String(describing: closed))")
    }

    func next(type: String, timeout: Duration = .seconds(20)) async throws -> [String: Any] {
        try await next(timeout: timeout) { $0["type"] as? String == type }
    }

    /// Waits until the server closed the connection.
    func waitClosed(timeout: Duration = .seconds(20)) async throws -> Closed {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let c = closed { return c }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ProbeTimeout(description: "connection still open after \(timeout)")
    }
}

struct ProbeTimeout: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` until true or the bound passes.
func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
