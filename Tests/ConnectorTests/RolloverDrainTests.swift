import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import SwitchboardConfig
import SwitchboardCore
import Testing

@testable import Connector

/// A rollover retires the old socket by reading it to its ping's answer, never by closing it at once: whatever the
/// platform sent on it before the replacement opened may still be unread when the reader runs behind the views
/// (docs/connector.md, "Rollover"). Over a real socket: a channel that has sent many events answers a ping after
/// them, as the platform does, and a reader slowed by its sink must still deliver every one before the socket closes.
@Suite(.timeLimit(.minutes(1))) struct RolloverDrainTests {
    static let events = 200

    /// The agents whose status came (one message per agent); each batch takes a while, so the reader falls behind
    /// what the socket holds.
    actor SlowSink: BridgeEventSink {
        private(set) var agents: Set<String> = []
        func ingest(org: OrgID, events batch: [BridgeEvent]) async {
            try? await Task.sleep(for: .milliseconds(10))
            for case .agentStatus(let s) in batch { agents.insert(s.agent.description) }
        }
    }

    static func activity(_ n: Int) -> String {
        let user = String(format: "00000000-0000-4000-8000-%012d", n)
        return #"{"topicName":"v2.users.\#(user).activity","eventBody":{"id":"\#(user)","routingStatus":{"status":"IDLE","#
            + #""startTime":"2026-05-07T10:00:00.000Z"},"presence":{"presenceDefinition":{"id":"p","systemPresence":"#
            + #""On Queue"},"modifiedDate":"2026-05-07T09:00:00.000Z"},"activeQueueIds":["q1"]}}"#
    }

    /// A channel that sends `events` activity messages at once, then answers each ping with a pong, in order.
    static func withChannel(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/channel") { inbound, outbound, _ in
            for n in 0..<events { try await outbound.write(.text(activity(n))) }
            for try await message in inbound.messages(maxSize: 1 << 16) {
                if case .text(let s) = message, s.contains("ping") {
                    try await outbound.write(.text(#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#))
                }
            }
        }
        let port = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: Router(), server: .http1WebSocketUpgrade(webSocketRouter: router),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { port.continuation.yield($0.localAddress?.port ?? 0) },
                              logger: Logger(label: "test.channel"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var ports = port.stream.makeAsyncIterator()
            let p = await ports.next() ?? 0
            try await body("ws://127.0.0.1:\(p)/channel")
            group.cancelAll()
        }
    }

    /// Opens the socket, waits for it, then sends `command` and waits for the socket to end; the agents delivered.
    static func run(_ command: OrgConnector.SocketCommand, uri: String) async throws -> Int {
        var t = OrgTunables()
        t.pingTimeout = .seconds(10)
        let org = OrgConfig(id: "us", name: "US", apiBase: "http://127.0.0.1:9", loginBase: "http://127.0.0.1:9",
                            clientId: "c", clientSecret: Secret("s"),
                            timezone: .gmt, tunables: t)
        let sink = SlowSink()
        let connector = OrgConnector(org: org, productivePresences: [.onQueue], http: HTTPClient.shared, sink: sink,
                                     clock: SystemClock(), options: ConnectorSimulatorTests.fastOptions())
        let (commands, commandsOut) = AsyncStream.makeStream(of: OrgConnector.SocketCommand.self)
        let (events, eventsOut) = AsyncStream.makeStream(of: OrgConnector.SocketEvent.self)
        let channel = ChannelStateMachine.Channel(id: "ch-1", connectUri: uri, expiresAt: nil)
        async let socket: Void = connector.runSocket(channel, commands: commands, events: eventsOut)
        for await event in events {
            if case .opened = event { break }
        }
        // The channel has sent every event by now or soon; the slow sink keeps most of them unread in the socket.
        commandsOut.yield(command)
        commandsOut.finish()
        await socket
        return await sink.agents.count
    }

    @Test func drainingReadsEverythingSentBeforeThePing() async throws {
        try await Self.withChannel { uri in
            let delivered = try await Self.run(.drainThenClose(timeout: .seconds(10)), uri: uri)
            #expect(delivered == Self.events, "only \(delivered) of \(Self.events) events sent before the ping")
        }
    }

    /// What the rollover did before: close at once. Not vacuous: the slow reader had not read them all.
    @Test func closingAtOnceLosesWhatWasUnread() async throws {
        try await Self.withChannel { uri in
            let delivered = try await Self.run(.close, uri: uri)
            #expect(delivered < Self.events, "the reader was not behind: the drain test proves nothing")
        }
    }
}
