import AudioConnector
import Foundation
import NIOCore
import SwitchboardConfig
import SwitchboardCore

/// The seed Audio Connector's producer, owned by ``SimSeedAudioServer/run()`` (one task): the live calls
/// (``SimSeedCallStream`` and their encoders) and one ``tick(now:realNow:)`` every 20 ms in three steps:
///
/// 1. under the server's lock: take the milestones and queued faults, copy the subscriptions;
/// 2. without the lock: apply the milestones, produce every packet due, encode it once per sample rate
///    subscribed to the call, fragment it and apply faults;
/// 3. under the lock: queue the messages on every matching subscription's connection (metadata first), send
///    `interactionEnded`, carry out drops, and update the truth.
///
/// Queuing never waits: each connection has a bounded outbox (``SimSeedSocket``).
final class SimSeedRunLoop {
    /// One live call.
    final class Lane {
        let key: String
        let org: String
        var stream: SimSeedCallStream
        /// The queue the call came from when its agent connected: what subscriptions match, for the whole call.
        let matchQueueId: String?
        var agentId: String?
        var queueId: String?
        let startTime: EpochMillis?
        let startedAtText: String
        let waveformOffset: Int
        var encoders: [Int: SimSeedEncoder] = [:]
        /// Metadata: not decided until a subscription first matches (a metadata fault may be taken then).
        var metadata: Metadata = .undecided
        /// Faults taken and not yet in the truth record.
        var faults: [String] = []
        /// No subscription matched at the last tick: packets due were not produced yet (see ``catchUp``).
        var idle = true
        var ended = false
        var endTime: EpochMillis?

        enum Metadata { case undecided, normal, late, never }

        init(key: String, org: String, event: SimCallAudioEvent, seed: UInt64, fragmentShare: Double,
             phrases: SimPhraseBook?, now: ContinuousClock.Instant, realNow: EpochMillis) {
            self.key = key
            self.org = org
            stream = SimSeedCallStream(conversationId: event.conversationId, seed: seed, fragmentShare: fragmentShare,
                                       startedAt: now, phrases: phrases)
            matchQueueId = event.queueId
            agentId = event.agentId
            queueId = event.queueId
            startTime = event.conversationStart
            startedAtText = Timestamp.format(realNow)
            waveformOffset = Int(SimAudioHookClient.hash(event.conversationId, seed: seed) % 48000)
        }

        /// Whether `interaction` may be sent now.
        var metadataAllowed: Bool {
            switch metadata {
            case .normal: true
            case .late: stream.segments.reduce(0) { $0 + $1.count } >= SimSeedRunLoop.lateMetadataAfterMs
            case .never, .undecided: false
            }
        }

        var interactionJSON: String {
            SeedMessage.interaction(SeedInteraction(
                interactionId: stream.conversationId, direction: .inbound, agentId: agentId, queueId: queueId,
                startTime: startTime, channels: ["customer", "agent"])).json
        }
    }

    /// What one tick did for one call.
    struct Batch {
        let lane: Lane
        /// Matching subscriptions: connection and sample rate, one entry per subscription.
        var targets: [(connection: UInt64, rate: Int)] = []
        var messages: [Int: [ByteBuffer]] = [:]
        var ended = false
        /// Whether `interaction` could be sent before this tick's packets (late metadata comes after the packet
        /// that completes its 2 s, never before).
        var metadataBefore = false

        init(lane: Lane, targets: [(connection: UInt64, rate: Int)]) {
            self.lane = lane
            self.targets = targets
            metadataBefore = lane.metadataAllowed
        }
    }

    static let lateMetadataAfterMs: Int64 = 2000

    private let server: SimSeedAudioServer
    private var lanes: [String: Lane] = [:]
    private var lastTick: ContinuousClock.Instant?
    private var garbageRNG: SimSeedPacketPlan

    init(server: SimSeedAudioServer) {
        self.server = server
        garbageRNG = SimSeedPacketPlan(seed: server.options.seed ^ 0x6A2B_A6E0, fragmentShare: 0)
    }

    func tick(now: ContinuousClock.Instant, realNow: EpochMillis) {
        // 1. Milestones, faults, subscriptions.
        let snapshot = server.state.withLock { s in
            let inbox = s.inbox
            s.inbox.removeAll()
            let pf = s.packetFaults, mf = s.metadataFaults
            s.packetFaults.removeAll()
            s.metadataFaults.removeAll()
            var audience: [String: [(UInt64, SimSeedSubscriptions)]] = [:]
            for (id, c) in s.connections where !c.subscriptions.active.isEmpty && !c.socket.isFinished {
                audience[c.socket.org, default: []].append((id, c.subscriptions))
            }
            return (inbox, pf, mf, audience)
        }
        let inbox = snapshot.0
        var packetFaults = snapshot.1, metadataFaults = snapshot.2, audience = snapshot.3
        for org in audience.keys { audience[org]?.sort { $0.0 < $1.0 } }

        // 2. Produce and encode.
        var batches: [String: Batch] = [:]
        func batch(_ lane: Lane) -> Batch {
            if let b = batches[lane.key] { return b }
            let targets = targets(lane, audience)
            catchUp(lane, listened: !targets.isEmpty)
            if !targets.isEmpty, case .undecided = lane.metadata {
                if let fault = metadataFaults[lane.org]?.first {
                    metadataFaults[lane.org]?.removeFirst()
                    lane.metadata = fault == .metadataNever ? .never : .late
                    lane.faults.append(fault.kind)
                } else {
                    lane.metadata = .normal
                }
            }
            return Batch(lane: lane, targets: targets)
        }
        for (org, events) in inbox {
            for e in events {
                let key = org + "/" + e.conversationId
                switch e.kind {
                case .connected:
                    if let lane = lanes[key] {
                        lane.agentId = e.agentId ?? lane.agentId
                        lane.queueId = e.queueId ?? lane.queueId
                        lane.stream.resume(at: now)
                    } else if SimAudioHookClient.monitored(e.conversationId, seed: server.options.seed,
                                                           share: server.options.share) {
                        lanes[key] = Lane(key: key, org: org, event: e, seed: server.options.seed,
                                          fragmentShare: server.options.fragmentShare, phrases: server.phrases.book,
                                          now: now, realNow: realNow)
                    }
                case .paused:
                    guard let lane = lanes[key] else { continue }
                    var b = batch(lane)
                    emit(lane.stream.pause(at: now), into: &b, packetFaults: &packetFaults)
                    flush(into: &b)
                    batches[key] = b
                case .resumed:
                    lanes[key]?.stream.resume(at: now)
                case .ended:
                    guard let lane = lanes.removeValue(forKey: key) else { continue }
                    var b = batch(lane)
                    emit(lane.stream.end(at: now), into: &b, packetFaults: &packetFaults)
                    flush(into: &b)
                    lane.ended = true
                    lane.endTime = e.at
                    b.ended = true
                    batches[key] = b
                }
            }
        }
        // Only calls someone listens to produce now (in a fixed order, for which takes a fault); the others
        // catch up when someone does.
        var audible: [Lane] = []
        for lane in lanes.values where !lane.stream.paused {
            if let b = batches[lane.key] {
                if !b.targets.isEmpty { audible.append(lane) }
            } else if audience[lane.org] != nil {
                let b = batch(lane)
                if !b.targets.isEmpty {
                    audible.append(lane)
                    batches[lane.key] = b
                }
            } else {
                lane.idle = true
            }
        }
        for lane in audible.sorted(by: { $0.key < $1.key }) {
            var b = batch(lane)
            emit(lane.stream.produce(until: now), into: &b, packetFaults: &packetFaults)
            batches[lane.key] = b
        }
        lastTick = now

        // 3. Fan out, drops, truth.
        let sorted = batches.keys.sorted().map { batches[$0]! }
        let dropped = server.state.withLock { s -> [SimSeedSocket] in
            for b in sorted { Self.deliver(b, in: &s) }
            for (org, faults) in packetFaults where !faults.isEmpty { s.packetFaults[org] = faults + (s.packetFaults[org] ?? []) }
            for (org, faults) in metadataFaults where !faults.isEmpty {
                s.metadataFaults[org] = faults + (s.metadataFaults[org] ?? [])
            }
            return Self.takeDrops(in: &s)
        }
        for socket in dropped { socket.abort() }
    }

    /// Packets of an idle call that fell due before this tick were produced while nobody listened: they are
    /// skipped (the sequence numbers move on), exactly as if the call had produced every tick.
    private func catchUp(_ lane: Lane, listened: Bool) {
        if listened {
            if lane.idle, let lastTick { _ = lane.stream.produce(until: lastTick) }
            lane.idle = false
        } else {
            lane.idle = true
        }
    }

    /// The matching subscriptions of `lane` among `audience`.
    private func targets(_ lane: Lane, _ audience: [String: [(UInt64, SimSeedSubscriptions)]]) -> [(connection: UInt64, rate: Int)] {
        var out: [(connection: UInt64, rate: Int)] = []
        for (id, subs) in audience[lane.org] ?? [] {
            for rate in subs.matches(queueId: lane.matchQueueId, direction: "inbound") { out.append((id, rate)) }
        }
        return out
    }

    /// Encodes `packets` for every rate `b` targets (nothing when nobody listens), with any fault taken.
    private func emit(_ packets: [SimSeedCallStream.Packet], into b: inout Batch,
                      packetFaults: inout [String: [SimSeedAudioFault]]) {
        guard !packets.isEmpty, !b.targets.isEmpty else { return }
        let lane = b.lane
        let rates = Set(b.targets.map(\.rate)).sorted()
        for var packet in packets {
            var directive = SimSeedFaultShaper.Directive.none
            if let fault = packetFaults[lane.org]?.first {
                packetFaults[lane.org]?.removeFirst()
                directive = .init(fault)
                lane.faults.append(fault.kind)
                if directive == .missingFragment { packet.fragments = max(2, packet.fragments) }
            }
            var garbage: [UInt8]?
            for rate in rates {
                let encoder = lane.encoders[rate] ?? {
                    let e = SimSeedEncoder(rate: rate, waveformOffset: lane.waveformOffset)
                    lane.encoders[rate] = e
                    return e
                }()
                guard let real = encoder.encode(packet, of: lane.stream) else { continue }
                var bytes = real
                if directive == .garbage {
                    if garbage == nil { garbage = garbageRNG.garbage(count: real.count) }
                    bytes = garbage!
                }
                b.messages[rate, default: []] += encoder.messages(packet, bytes: bytes, interaction: lane.stream.interaction,
                                                                  directive: directive)
            }
            lane.stream.markSent(packet, intact: directive.keepsPacketIntact)
        }
    }

    /// Held (reordered) fragments go out before a pause or the end.
    private func flush(into b: inout Batch) {
        for (rate, encoder) in b.lane.encoders {
            let held = encoder.flush()
            if !held.isEmpty { b.messages[rate, default: []] += held }
        }
    }

    /// Step 3 for one call: metadata then audio to every matching subscription; `interactionEnded` after the
    /// last; the truth record.
    private static func deliver(_ b: Batch, in s: inout SimSeedAudioServer.Shared) {
        let lane = b.lane
        let key = lane.key
        var metadata: String?
        for (id, rate) in b.targets {
            guard var c = s.connections[id], let messages = b.messages[rate], !messages.isEmpty else { continue }
            if b.metadataBefore && !c.announced.contains(key) {
                metadata = metadata ?? lane.interactionJSON
                c.socket.send(.text(metadata!))
                c.announced.insert(key)
            }
            for m in messages where !c.socket.send(.binary(m)) { break }
            c.streamed.insert(key)
            s.connections[id] = c
        }
        // Metadata allowed only now (late, or a call's first packets), after the audio, to connections that had it.
        if lane.metadataAllowed {
            for (id, c) in s.connections where c.streamed.contains(key) && !c.announced.contains(key) {
                metadata = metadata ?? lane.interactionJSON
                c.socket.send(.text(metadata!))
                s.connections[id]?.announced.insert(key)
            }
        }
        if b.ended {
            let ended = SeedMessage.interactionEnded(interactionId: lane.stream.conversationId, endTime: lane.endTime).json
            for (id, c) in s.connections where c.announced.contains(key) || c.streamed.contains(key) {
                c.socket.send(.text(ended))
                s.connections[id]?.announced.remove(key)
                s.connections[id]?.streamed.remove(key)
            }
        }
        guard lane.stream.everSent else { return }
        if s.records[key] == nil {
            s.records[key] = SimSeedAudioServer.Record(org: lane.org, startedAt: lane.startedAtText, stream: lane.stream,
                                                       state: "open", faults: [])
            s.recordOrder[lane.org, default: []].append(key)
        }
        s.records[key]?.stream = lane.stream
        s.records[key]?.faults += lane.faults
        lane.faults.removeAll()
        if b.ended { s.records[key]?.state = "closed" }
    }

    /// Carries out queued drops: the org's oldest connection that streamed audio is closed abruptly.
    private static func takeDrops(in s: inout SimSeedAudioServer.Shared) -> [SimSeedSocket] {
        var out: [SimSeedSocket] = []
        for (org, n) in s.drops where n > 0 {
            guard let id = s.connections.filter({ $0.value.socket.org == org && !$0.value.streamed.isEmpty }).keys.min(),
                let c = s.connections.removeValue(forKey: id)
            else { continue }
            SimSeedAudioServer.note(.drop, on: c, in: &s)
            s.drops[org] = n - 1
            out.append(c.socket)
        }
        return out
    }
}
