import Audio
import Foundation
import Logging
import OpusCodec
import SwitchboardCore

/// The state of one ``SeedAudioConnector/run()``: the pool, the sockets with their reassemblers, the
/// interactions and their decoders and analysers. Lives in the run's own task (never shared), so it needs no
/// lock; each event is handled to the end before the next, and asks for child tasks (``SeedAudioConnector/Spawn``).
final class SeedAudioRunner {
    typealias Event = SeedAudioConnector.Event
    typealias Spawn = SeedAudioConnector.Spawn

    /// One socket of a connection (a new one per connect).
    final class Socket {
        let id: Int
        let commands: AsyncStream<SeedAudioConnector.SocketCommand>.Continuation
        var open = false
        var reassembler: OpusReassembler
        /// The reassembler's counters already reported as metrics.
        var reported = OpusReassembler.Counters()

        init(id: Int, commands: AsyncStream<SeedAudioConnector.SocketCommand>.Continuation, reassembly: OpusReassembler.Configuration) {
            self.id = id
            self.commands = commands
            reassembler = OpusReassembler(configuration: reassembly)
        }
    }

    /// One interaction's decoder and analyser, and its audio's way to the tap when the tap listens to the org.
    final class InteractionAudio {
        let decoder: OpusDecoder
        var analyzer: VoiceActivityAnalyzer
        var tapFeed: SpeechAudioTapFeed?
        init(decoder: OpusDecoder, analyzer: VoiceActivityAnalyzer, tapFeed: SpeechAudioTapFeed? = nil) {
            self.decoder = decoder
            self.analyzer = analyzer
            self.tapFeed = tapFeed
        }
    }

    let connector: SeedAudioConnector
    var pool: SeedConnectionPool
    var sockets: [Int: Socket] = [:]
    var nextSocket = 0
    var interactions: SeedInteractionStateMachine
    var audio: [UUID: InteractionAudio] = [:]
    /// The decoder's output, reused for every packet (no allocation once grown).
    var pcm: [Int16] = []
    var sampleRate: Int
    var sessions = 0
    var openConnections = 0
    /// Error codes already logged (a flood of one bad kind logs once).
    var logged: Set<String> = []
    struct Published: Equatable {
        var connections = -1
        var planned = -1
        var sessions = -1
    }
    /// What ``publish()`` last reported.
    var published = Published()

    var logger: Logger { connector.logger }
    var metrics: SeedAudioMetrics { connector.metrics }

    init(connector: SeedAudioConnector) {
        self.connector = connector
        pool = SeedConnectionPool(subscriptions: connector.initialSubscriptions,
                                  configuration: connector.configuration.connection)
        interactions = SeedInteractionStateMachine(configuration: connector.configuration.interactions)
        sampleRate = connector.initialSampleRate
        pcm.reserveCapacity(OpusCodec.maxPacketSamples(sampleRate: 48000) * 2)
    }

    // MARK: Lifecycle

    func start() -> [Spawn] {
        var spawns: [Spawn] = []
        perform(pool.start(now: .now), now: .now, into: &spawns)
        publish()
        return spawns
    }

    /// Closes every socket and ends every session (`disconnected`).
    func stop() -> [Spawn] {
        var spawns: [Spawn] = []
        let now = ContinuousClock.now
        perform(pool.stop(), now: now, into: &spawns)
        for id in Array(sockets.keys) { removeSocket(id, close: true) }
        perform(interactions.stop(now: now, wall: connector.clock.now()), now: now, into: &spawns)
        return spawns
    }

    // MARK: Events

    func handle(_ event: Event) -> [Spawn] {
        let now = ContinuousClock.now
        var spawns: [Spawn] = []
        switch event {
        case .tick:
            tick(now: now, into: &spawns)
        case .discovered(let connection, let discovery, let failure):
            if let discovery {
                logger.info("audio connector endpoint discovered", metadata: [
                    "connection": "\(connection)", "region": "\(discovery.region)", "uri": "\(discovery.redactedURI)"])
                perform(pool.handle(connection: connection, now: now) { $0.discovered(discovery, now: now) },
                        now: now, into: &spawns)
            } else {
                perform(pool.handle(connection: connection, now: now) {
                    $0.discoveryFailed(failure ?? "no answer", now: now)
                }, now: now, into: &spawns)
            }
        case .socketOpened(let connection, let socket):
            guard let s = current(connection, socket) else { break }
            s.open = true
            openConnections += 1
            metrics.connects.increment()
            connector.updateStatus { $0.lastFailure = nil }
            logger.info("audio connector connection open", metadata: ["connection": "\(connection)"])
            perform(pool.handle(connection: connection, now: now) { $0.connected(now: now) }, now: now, into: &spawns)
        case .socketFailed(let connection, let socket, let reason):
            guard current(connection, socket) != nil else { break }
            removeSocket(connection, close: false)
            perform(pool.handle(connection: connection, now: now) { $0.connectFailed(reason, now: now) },
                    now: now, into: &spawns)
        case .socketClosed(let connection, let socket, let code, let reason):
            guard current(connection, socket) != nil else { break }
            removeSocket(connection, close: false)
            perform(pool.handle(connection: connection, now: now) { $0.closed(code: code, reason: reason, now: now) },
                    now: now, into: &spawns)
        case .text(let connection, let socket, let text):
            guard current(connection, socket) != nil else { break }
            received(text: text, connection: connection, now: now, into: &spawns)
        case .binary(let connection, let socket, let bytes):
            guard current(connection, socket) != nil else { break }
            received(binary: bytes, connection: connection, now: now, into: &spawns)
        case .pinged(let connection, let socket):
            guard current(connection, socket) != nil else { break }
            // The library closes the socket if the pong does not come; a ping that went out is life.
            _ = pool.handle(connection: connection, now: now) { $0.activity(now: now); return [] }
        case .lookedUp(let id, let hints):
            perform(interactions.lookedUp(id, hints: hints, now: now), now: now, into: &spawns)
        case .reconfigure(let subscriptions, let rate):
            logger.info("audio filters changed: applying the new subscriptions without reconnecting",
                        metadata: ["subscriptions": "\(subscriptions.count)", "sampleRate": "\(rate)"])
            sampleRate = rate
            perform(pool.setSubscriptions(subscriptions, now: now), now: now, into: &spawns)
        }
        publish()
        return spawns
    }

    private func current(_ connection: Int, _ socket: Int) -> Socket? {
        guard let s = sockets[connection], s.id == socket else { return nil }
        return s
    }

    private func tick(now: ContinuousClock.Instant, into spawns: inout [Spawn]) {
        if let d = pool.nextDeadline, d <= now { perform(pool.tick(now: now), now: now, into: &spawns) }
        for id in Array(sockets.keys) {
            guard let s = sockets[id] else { continue }
            if let d = s.reassembler.nextDeadline, d <= now {
                reassembled(s.reassembler.tick(now: now), now: now, into: &spawns)
            }
            reportCounters(s)
        }
        if let d = interactions.nextDeadline, d <= now {
            perform(interactions.tick(now: now, wall: connector.clock.now()), now: now, into: &spawns)
        }
    }

    func removeSocket(_ connection: Int, close: Bool) {
        guard let s = sockets.removeValue(forKey: connection) else { return }
        if close { s.commands.yield(.close) }
        s.commands.finish()
        reportCounters(s)
        if s.open { openConnections -= 1 }
    }

    private func reportCounters(_ s: Socket) {
        let now = s.reassembler.counters
        guard now != s.reported else { return }
        for (new, old) in zip(now.droppedFragments, s.reported.droppedFragments) {
            metrics.fragmentsDropped(reason: new.reason, count: new.count - old.count)
        }
        s.reported = now
    }

    /// Status and gauges, when they changed (this runs after every event, audio fragments included).
    private func publish() {
        let now = Published(connections: openConnections, planned: pool.machines.count, sessions: sessions)
        guard now != published else { return }
        published = now
        connector.updateStatus {
            $0.connections = now.connections
            $0.planned = now.planned
            $0.sessions = now.sessions
        }
        metrics.connectionsOpen.record(now.connections)
        metrics.interactionsActive.record(now.sessions)
    }

    // MARK: Messages

    private func received(text: String, connection: Int, now: ContinuousClock.Instant, into spawns: inout [Spawn]) {
        let message: SeedMessage
        do throws(SeedMessageError) {
            message = try SeedMessage.decode(text)
        } catch {
            _ = pool.handle(connection: connection, now: now) { $0.activity(now: now); return [] }
            logOnce(error.code, "an Audio Connector text message could not be read; it is dropped",
                    ["code": "\(error.code)", "reason": "\(error.message)"])
            return
        }
        perform(pool.handle(connection: connection, now: now) { $0.received(message, now: now) }, now: now, into: &spawns)
        switch message {
        case .interaction(let metadata):
            perform(interactions.metadata(metadata, now: now, wall: connector.clock.now()), now: now, into: &spawns)
        case .interactionEnded(let id, _):
            if let uuid = UUID(uuidString: id), let s = sockets[connection] {
                reassembled(s.reassembler.interactionEnded(uuid, now: now), now: now, into: &spawns)
            }
            perform(interactions.interactionEnded(id, now: now, wall: connector.clock.now()), now: now, into: &spawns)
        default:
            break
        }
    }

    private func received(binary: [UInt8], connection: Int, now: ContinuousClock.Instant, into spawns: inout [Spawn]) {
        _ = pool.handle(connection: connection, now: now) { $0.activity(now: now); return [] }
        let frame: SeedAudioFrame
        do throws(SeedAudioError) {
            frame = try SeedAudioFrame.decode(binary)
        } catch {
            metrics.fragmentsDropped(reason: error.code.replacingOccurrences(of: "seed-audio.", with: ""), count: 1)
            logOnce(error.code, "an Audio Connector binary message could not be read; it is dropped",
                    ["code": "\(error.code)", "reason": "\(error.message)"])
            return
        }
        guard let s = sockets[connection] else { return }
        reassembled(s.reassembler.receive(frame, now: now), now: now, into: &spawns)
    }

    /// The reassembler's packets, losses and discontinuities, to the interactions.
    private func reassembled(_ actions: [OpusReassembler.Action], now: ContinuousClock.Instant,
                             into spawns: inout [Spawn]) {
        guard !actions.isEmpty else { return }
        let wall = connector.clock.now()
        for action in actions {
            switch action {
            case .packet(let id, let sequence, let bytes):
                let samples = try? OpusPacket.samples(bytes, sampleRate: sampleRate)
                let duration = samples.map { Duration.nanoseconds(Int64($0) * 1_000_000_000 / Int64(sampleRate)) }
                perform(interactions.media(.packet(sequence: sequence, bytes: bytes), interaction: id, duration: duration,
                                           now: now, wall: wall), now: now, into: &spawns)
            case .lost(let id, let sequence):
                perform(interactions.media(.lost(sequence: sequence), interaction: id, now: now, wall: wall),
                        now: now, into: &spawns)
            case .skipped(let id, let from, let count):
                perform(interactions.media(.skipped(from: from, count: count), interaction: id, now: now, wall: wall),
                        now: now, into: &spawns)
            case .purged:
                break  // the interactions have their own TTL
            }
        }
    }

    func logOnce(_ code: String, _ message: String, _ metadata: Logger.Metadata) {
        guard logged.insert(code).inserted else { return }
        logger.warning("\(message) (logged once per kind)", metadata: metadata)
    }
}
