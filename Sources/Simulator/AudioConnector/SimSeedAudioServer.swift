import AudioConnector
import Foundation
import Synchronization
import SwitchboardCore

/// The simulator's side of the seed Audio Connector (docs/audio.md, "The seed Audio Connector"; docs/simulator.md):
/// single-use discovery tokens, the connections and their subscriptions, the org's call milestones, the faults,
/// and each call's session truth. The audio itself is produced by ``run()`` (``SimSeedRunLoop``): every live
/// voice call of an org is encoded once per sample rate in use and its fragments fanned out to every matching
/// subscription.
final class SimSeedAudioServer: Sendable {
    struct Options: Sendable {
        var regions: [String]
        var tokenLifetimeSeconds: Int
        var unusedTokenMaxAge: Duration
        var maxSubscriptionsPerConnection: Int
        var fragmentShare: Double
        var outboxMessages: Int
        var share: Double
        var seed: UInt64

        init(_ o: SimulatorOptions) {
            regions = o.seedAudioRegions.isEmpty ? ["us-east-1"] : o.seedAudioRegions
            tokenLifetimeSeconds = o.seedAudioTokenLifetime
            unusedTokenMaxAge = o.seedAudioUnusedTokenMaxAge
            maxSubscriptionsPerConnection = o.seedAudioMaxSubscriptionsPerConnection
            fragmentShare = o.seedAudioFragmentShare
            outboxMessages = o.seedAudioOutboxMessages
            share = o.seedAudioShare
            seed = o.seed
        }
    }

    /// One accepted connection as the server keeps it.
    struct Connection {
        let socket: SimSeedSocket
        var subscriptions: SimSeedSubscriptions
        /// Calls (org/conversation keys) whose `interaction` this connection was sent.
        var announced: Set<String> = []
        /// Calls with at least one packet sent on this connection.
        var streamed: Set<String> = []
    }

    /// What the truth keeps of a call that streamed.
    struct Record {
        let org: String
        let startedAt: String
        var stream: SimSeedCallStream
        var state: String
        var faults: [String]
    }

    struct Shared {
        var inbox: [(org: String, events: [SimCallAudioEvent])] = []
        var connections: [UInt64: Connection] = [:]
        var tokens: SimSeedConnectionTokens
        var regionIndex: [String: Int] = [:]
        var expiredDiscoveries: [String: Int] = [:]
        var packetFaults: [String: [SimSeedAudioFault]] = [:]
        var metadataFaults: [String: [SimSeedAudioFault]] = [:]
        var drops: [String: Int] = [:]
        var records: [String: Record] = [:]
        var recordOrder: [String: [String]] = [:]
        var nextConnection: UInt64 = 0
        var nextSubscription: UInt64 = 0
        var closing = false
    }

    let options: Options
    let state: Mutex<Shared>
    /// The spoken sentences (`spokenPhrases`), once rendered.
    let phrases: SimPhraseBookSlot
    static let tick: Duration = .milliseconds(20)

    init(options: SimulatorOptions, phrases: SimPhraseBookSlot = SimPhraseBookSlot()) {
        let o = Options(options)
        self.options = o
        self.phrases = phrases
        state = Mutex(Shared(tokens: SimSeedConnectionTokens(
            lifetimeSeconds: o.tokenLifetimeSeconds, unusedMaxAgeMs: GenesysSimulator.millis(o.unusedTokenMaxAge))))
    }

    // MARK: - Milestones

    /// Takes the org's call milestones (agent connected, hold, transfer, end); the run loop acts on them at its
    /// next tick.
    func deliver(org: String, events: [SimCallAudioEvent]) {
        guard !events.isEmpty else { return }
        state.withLock { $0.inbox.append((org, events)) }
    }

    // MARK: - Discovery

    struct Discovery: Sendable {
        let uri: String
        let connectionId: String
        let region: String
        let expiresIn: Int
    }

    /// A fresh single-use URI on `base` (`ws://HOST:PORT`) for `org`.
    func discover(org: String, base: String, realNow: EpochMillis) -> Discovery {
        var rng = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(rng.next() as UInt64, radix: 16) }.joined()
        return state.withLock { s in
            var expired = false
            if let n = s.expiredDiscoveries[org], n > 0 {
                expired = true
                s.expiredDiscoveries[org] = n - 1
            }
            s.tokens.issue(token, org: org, realNow: realNow, expired: expired)
            let region = options.regions[(s.regionIndex[org] ?? 0) % options.regions.count]
            return Discovery(uri: base + "/audioconnector/ws?token=" + token, connectionId: UUID().uuidString.lowercased(),
                             region: region, expiresIn: options.tokenLifetimeSeconds)
        }
    }

    /// Uses a connection token up.
    func redeem(_ token: String, realNow: EpochMillis) -> SimSeedConnectionTokens.Redemption {
        state.withLock { $0.tokens.redeem(token, realNow: realNow) }
    }

    // MARK: - Connections

    /// Registers an accepted connection of `org`; false when the simulator is shutting down (the socket is
    /// closed at once).
    func open(_ socket: SimSeedSocket) -> Bool {
        let ok = state.withLock { s -> Bool in
            guard !s.closing else { return false }
            s.connections[socket.id] = Connection(
                socket: socket, subscriptions: SimSeedSubscriptions(limit: options.maxSubscriptionsPerConnection))
            return true
        }
        if !ok { socket.close(code: 1001, reason: "the server is shutting down") }
        return ok
    }

    /// A text message from connection `id`: the reply is queued on its socket.
    func received(_ text: String, connection id: UInt64) {
        state.withLock { s in
            guard var c = s.connections[id] else { return }
            let reply = c.subscriptions.handle(text) {
                s.nextSubscription += 1
                return "sub-\(id)-\(s.nextSubscription)"
            }
            s.connections[id] = c
            c.socket.send(.text(reply.json))
        }
    }

    /// Connection `id` ended.
    func closed(connection id: UInt64) {
        _ = state.withLock { $0.connections.removeValue(forKey: id) }
    }

    /// Next connection id.
    func nextConnectionID() -> UInt64 {
        state.withLock { s in
            s.nextConnection += 1
            return s.nextConnection
        }
    }

    /// Closes every connection (1001) and takes no new ones: the simulator is shutting down.
    func finishAll() {
        let sockets = state.withLock { s -> [SimSeedSocket] in
            s.closing = true
            return s.connections.values.map(\.socket)
        }
        for socket in sockets { socket.close(code: 1001, reason: "the server is shutting down") }
    }

    /// Open connections of `org` (all orgs for nil).
    func connectionCount(org: String? = nil) -> Int {
        state.withLock { s in s.connections.values.filter { org == nil || $0.socket.org == org }.count }
    }

    // MARK: - Faults

    /// Applies or queues a fault for `org`; returns the log's detail.
    func inject(_ fault: SimSeedAudioFault, org: String) -> String {
        let (detail, closing) = state.withLock { s -> (String, [SimSeedSocket]) in
            switch fault {
            case .expiredURI:
                s.expiredDiscoveries[org, default: 0] += 1
                return ("the org's next discovery hands out an expired token", [])
            case .rotate:
                s.regionIndex[org, default: 0] += 1
                let region = options.regions[s.regionIndex[org]! % options.regions.count]
                let ids = s.connections.filter { $0.value.socket.org == org }.map(\.key).sorted()
                var sockets: [SimSeedSocket] = []
                for id in ids {
                    guard let c = s.connections.removeValue(forKey: id) else { continue }
                    Self.note(fault, on: c, in: &s)
                    sockets.append(c.socket)
                }
                return ("region now \(region); \(sockets.count) connection(s) closed with 1001", sockets)
            case .drop:
                s.drops[org, default: 0] += 1
                return ("taken by the org's next streaming connection", [])
            case .missingFragment, .duplicateFragment, .reorder, .garbageOpus:
                s.packetFaults[org, default: []].append(fault)
                return ("taken by the next packet of a streaming call", [])
            case .metadataLate, .metadataNever:
                s.metadataFaults[org, default: []].append(fault)
                return ("taken by the org's next call to stream", [])
            }
        }
        for socket in closing { socket.close(code: 1001, reason: "the media node moved; discover again") }
        return detail
    }

    /// Lists a connection fault in the session of every live call the connection was streaming.
    static func note(_ fault: SimSeedAudioFault, on c: Connection, in s: inout Shared) {
        for key in c.streamed.sorted() where s.records[key]?.state == "open" {
            s.records[key]?.faults.append(fault.kind)
        }
    }

    // MARK: - Truth

    /// The seed sessions of `org` so far, oldest first (calls whose audio reached a connection).
    func sessions(org: String) -> [SimSpeechSession] {
        state.withLock { s in
            (s.recordOrder[org] ?? []).compactMap { key in
                guard let r = s.records[key] else { return nil }
                return r.stream.truth(org: r.org, startedAt: r.startedAt, state: r.state, faults: r.faults)
            }
        }
    }

    // MARK: - Run loop

    /// Produces the audio in real time until cancelled: a tick every 20 ms sends every packet due.
    func run() async {
        let loop = SimSeedRunLoop(server: self)
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.tick)
            if Task.isCancelled { break }
            loop.tick(now: .now, realNow: SystemClock.realNow())
        }
    }
}
