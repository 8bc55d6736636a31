import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
@testable import Simulator
import SwitchboardCore
import Testing

/// Starts a simulator on a free loopback port, runs `body`, then shuts it down gracefully.
func withSimulator(
    _ configure: (inout SimulatorOptions) -> Void = { _ in },
    clock: any WallClock = ScaledClock(origin: testBusinessHours, speed: 60),
    _ body: @Sendable (GenesysSimulator, SimClient) async throws -> Void
) async throws {
    var options = SimulatorOptions()
    options.port = 0
    options.agentsPerOrg = 20
    options.heartbeatInterval = .milliseconds(150)
    configure(&options)
    var logger = Logger(label: "sim-test")
    logger.logLevel = .warning
    let sim = GenesysSimulator(options: options, clock: clock, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [sim], gracefulShutdownSignals: [], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tg in
        tg.addTask { try await group.run() }
        let port = await sim.waitUntilListening()
        do {
            try await body(sim, SimClient(base: "http://127.0.0.1:\(port)"))
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tg.waitForAll()
    }
}

/// A plain HTTP client for the simulator's REST side.
struct SimClient: Sendable {
    let base: String

    struct Reply: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data
        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ method: String, _ path: String, token: String? = nil, json: String? = nil,
                 headers extra: [(String, String)] = []) async throws -> Reply {
        var req = HTTPClientRequest(url: base + path)
        req.method = .init(rawValue: method)
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(string: json))
        }
        for (k, v) in extra { req.headers.add(name: k, value: v) }
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(30))
        let body = try await res.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for h in res.headers { headers[h.name.lowercased()] = h.value }
        return Reply(status: Int(res.status.code), headers: headers, body: Data(buffer: body))
    }

    /// `POST /oauth/token` with Basic auth.
    func token(org: String = "us", secret: String? = nil) async throws -> Reply {
        var req = HTTPClientRequest(url: base + "/oauth/token")
        req.method = .POST
        let cred = "\(org)-client:\(secret ?? "\(org)-secret")"
        req.headers.add(name: "Authorization", value: "Basic \(Data(cred.utf8).base64EncodedString())")
        req.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        req.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(30))
        let body = try await res.body.collect(upTo: 1 << 20)
        return Reply(status: Int(res.status.code), headers: [:], body: Data(buffer: body))
    }

    func accessToken(org: String = "us") async throws -> String {
        let reply = try await token(org: org)
        return try #require(try reply.json()["access_token"] as? String)
    }

    /// Creates a channel; returns (id, connectUri).
    func channel(_ token: String) async throws -> (id: String, uri: String) {
        let reply = try await request("POST", "/api/v2/notifications/channels", token: token)
        #expect(reply.status == 200)
        let j = try reply.json()
        return (try #require(j["id"] as? String), try #require(j["connectUri"] as? String))
    }

    func subscribe(_ token: String, _ channel: String, _ topics: [String], put: Bool = false) async throws -> Reply {
        let body = "[" + topics.map { "{\"id\":\"\($0)\"}" }.joined(separator: ",") + "]"
        return try await request(put ? "PUT" : "POST", "/api/v2/notifications/channels/\(channel)/subscriptions",
                                 token: token, json: body)
    }

    /// All users of the org (pages of 500).
    func users(_ token: String) async throws -> [[String: Any]] {
        let j = try await request("GET", "/api/v2/users?pageSize=500&expand=presence,routingStatus", token: token).json()
        return try #require(j["entities"] as? [[String: Any]])
    }

    func queues(_ token: String) async throws -> [[String: Any]] {
        let j = try await request("GET", "/api/v2/routing/queues?pageSize=100", token: token).json()
        return try #require(j["entities"] as? [[String: Any]])
    }

    func inject(_ org: String, _ kind: String, count: Int? = nil, status: Int? = nil) async throws {
        var body = "{\"org\":\"\(org)\",\"kind\":\"\(kind)\""
        if let count { body += ",\"count\":\(count)" }
        if let status { body += ",\"status\":\(status)" }
        let reply = try await request("POST", "/_sim/faults", json: body + "}")
        #expect(reply.status == 200, "\(reply.text)")
    }
}

/// A plain notification WebSocket client: frames received appear on `incoming`; finishing the
/// `outgoing` continuation closes the socket.
final class WSProbe: Sendable {
    let incoming: AsyncStream<String>
    let incomingContinuation: AsyncStream<String>.Continuation
    let outgoing: AsyncStream<String>
    let outgoingContinuation: AsyncStream<String>.Continuation

    init() {
        (incoming, incomingContinuation) = AsyncStream.makeStream(of: String.self)
        (outgoing, outgoingContinuation) = AsyncStream.makeStream(of: String.self)
    }

    func send(_ text: String) { outgoingContinuation.yield(text) }
    func close() { outgoingContinuation.finish() }

    /// Connects and runs until either side closes. Returns whether the server closed it.
    func run(url: String) async throws {
        let incoming = incomingContinuation
        let outgoing = self.outgoing
        var logger = Logger(label: "ws-probe")
        logger.logLevel = .warning
        let client = WebSocketClient(url: url, configuration: .init(maxFrameSize: 1 << 20), logger: logger) {
            inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await text in outgoing { try await outbound.write(.text(text)) }
                }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let s) = message { incoming.yield(s) }
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }
        defer { incoming.finish() }
        _ = try? await client.run()
    }
}

/// Reads frames until one satisfies `match`; nil when the socket closes first or after `limit` seconds
/// (checked as frames arrive: heartbeats keep arriving on a healthy socket).
func next(_ it: inout AsyncStream<String>.Iterator, limit: Double = 20,
          where match: (String) -> Bool) async -> String? {
    let deadline = ContinuousClock.now + .milliseconds(Int(limit * 1000))
    while let s = await it.next() {
        if match(s) { return s }
        if ContinuousClock.now > deadline { return nil }
    }
    return nil
}

func jsonObject(_ s: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any]
}

func isHeartbeat(_ s: String) -> Bool { s.contains("\"WebSocket Heartbeat\"") }

/// A fixed business time for clocks in tests: 12:00Z is 08:00 in New York, 14:00 in Berlin and 21:00 in
/// Tokyo, far from every simulated org's midnight. A clock starting at the real "now" would make results
/// depend on when the suite runs (a sped-up run near local midnight rolls "today" over mid-test).
let testBusinessHours: EpochMillis = 1_778_155_200_000  // 2026-05-07T12:00:00Z
