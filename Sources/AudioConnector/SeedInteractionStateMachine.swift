import Foundation
import SwitchboardConfig
import SwitchboardCore

/// An org's seed Audio Connector interactions, between the reassemblers (one per connection) and the speech
/// analytics (docs/audio.md, "Streams, interactions and sessions"). A pure state machine: the owner passes the
/// real time (`now`) and the business time (`wall`, the views' clock), performs the returned actions in order
/// and calls ``tick(now:wall:)`` at ``nextDeadline``.
///
/// - Each interaction with audio is one speech session. `.opened` goes out when its `interaction` metadata
///   arrives or `metadataGrace` after its first packet, whichever is first; audio before it is held (at most
///   `metadataBufferBytes`; beyond, the oldest is analysed at once).
/// - Items already analysed (same interaction, sequence not above the last one taken) are dropped: packets may
///   arrive on two connections, and a reconnected one starts mid-call. Losses before the first packet are not
///   concealed.
/// - Quiet of `pauseAfter` or more beyond the end of the last packet, with no sequence gap, is a pause: a
///   `.progress(paused: true)` when noticed, and a `.gap` of the wall time when audio resumes.
/// - Metadata that comes after `.opened`, or a REST lookup (asked once, `metadataTTL` after the first packet
///   without metadata), re-sends `.opened` with the new hints.
/// - A session ends on `interactionEnded` (`completed`), after `interactionTTL` without audio (`timeout`) or at
///   ``stop(now:wall:)`` (`disconnected`); its late packets are then ignored.
public struct SeedInteractionStateMachine: Sendable {
    public let configuration: Configuration
    public private(set) var counters = Counters()
    private var records: [UUID: Record] = [:]
    private var ended: Set<UUID> = []
    private var endedOrder: [UUID] = []
    private var endedHead = 0

    public init(configuration: Configuration = .init()) {
        precondition(configuration.maxInteractions > 0)
        self.configuration = configuration
    }

    /// Sessions (interactions with audio) live now.
    public var activeSessions: Int { records.values.count(where: \.isSession) }

    /// Interactions tracked (sessions and metadata waiting for audio).
    public var trackedInteractions: Int { records.count }

    /// The channels of an interaction's stream as known now (the metadata's, else customer then agent).
    public func channels(of interaction: UUID) -> [SpeechChannel] {
        records[interaction]?.channels ?? [.customer, .agent]
    }

    /// Whether the interaction's session has been reported `.opened`.
    public func isOpened(_ interaction: UUID) -> Bool { records[interaction]?.opened ?? false }

    /// When ``tick(now:wall:)`` has something to do: a grace, a lookup, a pause, a TTL.
    public var nextDeadline: Instant? {
        var earliest: Instant?
        func consider(_ t: Instant) { earliest = earliest.map { min($0, t) } ?? t }
        let c = configuration
        for r in records.values {
            consider(r.lastActivity + c.interactionTTL)
            guard let first = r.firstArrival else { continue }
            if !r.opened { consider(first + c.metadataGrace) }
            if !r.hasMetadata && !r.lookupAsked { consider(first + c.metadataTTL) }
            if r.opened && !r.paused, let end = r.streamEnd { consider(end + c.pauseAfter) }
        }
        return earliest
    }

    // MARK: Audio

    /// One item of an interaction's stream from a reassembler. `duration`: the packet's (read from its TOC byte);
    /// nil for a loss (the last packet's is assumed).
    public mutating func media(_ media: Media, interaction id: UUID, duration: Duration? = nil, now: Instant,
                               wall: EpochMillis) -> [Action] {
        if ended.contains(id) {
            counters.afterEnd += 1
            return []
        }
        var actions: [Action] = []
        if records[id] == nil { evictIfFull(now: now, wall: wall, into: &actions) }
        var r = records[id] ?? Record(lastActivity: now, lastDuration: configuration.defaultPacketDuration)
        let previous = r.lastSequence
        var item = media
        switch media {
        case .packet(let seq, _):
            if let last = previous, seq <= last { return drop(r, id, duplicate: true, actions) }
            r.lastSequence = seq
        case .lost(let seq):
            guard let last = previous else { return drop(r, id, duplicate: false, actions) }
            if seq <= last { return drop(r, id, duplicate: true, actions) }
            r.lastSequence = seq
        case .skipped(let from, let count):
            guard let last = previous else { return drop(r, id, duplicate: false, actions) }
            let end = UInt64(from) + UInt64(count) - 1
            if count == 0 || end <= UInt64(last) { return drop(r, id, duplicate: true, actions) }
            let start = max(UInt64(from), UInt64(last) + 1)
            item = .skipped(from: UInt32(start), count: UInt32(end - start + 1))
            r.lastSequence = UInt32(end)
        }
        if r.firstArrival == nil {
            r.firstArrival = now
            r.firstWall = wall
        }
        r.lastActivity = now
        var held: [Held] = []
        let resumed = r.paused
        r.paused = false
        switch item {
        case .packet(let seq, _):
            if let end = r.streamEnd, now - end >= configuration.pauseAfter, let last = previous, seq == last &+ 1 {
                held.append(.gap(now - end))
            }
            if let duration, duration > .zero { r.lastDuration = duration }
            r.streamEnd = max(r.streamEnd ?? now, now) + r.lastDuration
        case .lost:
            r.streamEnd = max(r.streamEnd ?? now, now) + r.lastDuration
        case .skipped:
            r.streamEnd = max(r.streamEnd ?? now, now)
        }
        held.append(.media(item))
        if r.opened {
            for h in held { actions.append(Self.action(h, id)) }
            if resumed || held.count > 1 {
                r.lastProgress = now
                actions.append(.progress(interaction: id, paused: false))
            } else if let last = r.lastProgress,
                      now - last >= configuration.progressInterval - configuration.progressTolerance {
                r.lastProgress = now
                actions.append(.progress(interaction: id, paused: false))
            }
        } else {
            r.held += held
            r.heldBytes += item.bytes
            if r.hasMetadata {
                open(&r, id, now: now, into: &actions)
            } else {
                while r.heldBytes > configuration.metadataBufferBytes, !r.held.isEmpty {
                    let h = r.held.removeFirst()
                    if case .media(let m) = h {
                        r.heldBytes -= m.bytes
                        counters.bufferOverflows += 1
                    }
                    actions.append(Self.action(h, id))
                }
            }
        }
        records[id] = r
        return actions
    }

    private mutating func drop(_ r: Record, _ id: UUID, duplicate: Bool, _ actions: [Action]) -> [Action] {
        if duplicate { counters.duplicates += 1 } else { counters.leadingLosses += 1 }
        // A record created just for this item (no audio yet) is not kept unless it holds metadata.
        if r.isSession || r.hasMetadata { records[id] = r }
        return actions
    }

    // MARK: Metadata

    /// An `interaction` message (on any connection).
    public mutating func metadata(_ m: SeedInteraction, now: Instant, wall: EpochMillis) -> [Action] {
        guard let id = UUID(uuidString: m.interactionId) else {
            counters.invalidIds += 1
            return []
        }
        guard !ended.contains(id) else { return [] }
        var actions: [Action] = []
        if records[id] == nil { evictIfFull(now: now, wall: wall, into: &actions) }
        var r = records[id] ?? Record(lastActivity: now, lastDuration: configuration.defaultPacketDuration)
        let before = r.hints
        r.hints = r.hints.merged(with: Hints(agentId: m.agentId, queueId: m.queueId, direction: m.direction?.rawValue),
                                 override: true)
        r.hasMetadata = true
        if let start = m.startTime { r.metadataStart = start }
        if let names = m.channels, let channels = Self.channels(names) { r.channels = channels }
        if !r.isSession { r.lastActivity = now }
        if r.opened {
            if r.hints != before { actions.append(.open(opening(r, id, repeated: true))) }
        } else if r.isSession {
            open(&r, id, now: now, into: &actions)
        }
        records[id] = r
        return actions
    }

    /// The answer of a ``Action/lookup(interaction:)``: hints fill in what the metadata did not say (nil: the
    /// platform did not know the conversation, or the lookup failed).
    public mutating func lookedUp(_ id: UUID, hints: Hints?, now: Instant) -> [Action] {
        guard let hints, var r = records[id] else { return [] }
        let before = r.hints
        r.hints = r.hints.merged(with: hints, override: false)
        records[id] = r
        guard r.opened, r.hints != before else { return [] }
        return [.open(opening(r, id, repeated: true))]
    }

    /// An `interactionEnded` message: what is held is analysed, and the session ends `completed`.
    public mutating func interactionEnded(_ interactionId: String, now: Instant, wall: EpochMillis) -> [Action] {
        guard let id = UUID(uuidString: interactionId) else {
            counters.invalidIds += 1
            return []
        }
        guard !ended.contains(id) else { return [] }
        remember(id)
        guard var r = records.removeValue(forKey: id), r.isSession else { return [] }
        var actions: [Action] = []
        finish(&r, id, reason: .completed, now: now, into: &actions)
        return actions
    }

    // MARK: Time

    /// Applies what is due at `now`: graces, lookups, pauses, TTLs.
    public mutating func tick(now: Instant, wall: EpochMillis) -> [Action] {
        let c = configuration
        var due: [UUID] = []
        for (id, r) in records {
            let expired = now - r.lastActivity >= c.interactionTTL
            guard let first = r.firstArrival else {
                if expired { due.append(id) }
                continue
            }
            if expired || (!r.opened && now - first >= c.metadataGrace)
                || (!r.hasMetadata && !r.lookupAsked && now - first >= c.metadataTTL)
                || (r.opened && !r.paused && r.streamEnd.map { now - $0 >= c.pauseAfter } == true) {
                due.append(id)
            }
        }
        var actions: [Action] = []
        for id in due.sorted(by: { $0.uuidString < $1.uuidString }) {
            guard var r = records[id] else { continue }
            guard let first = r.firstArrival else {
                records[id] = nil  // metadata that never got audio
                continue
            }
            if now - r.lastActivity >= c.interactionTTL {
                records[id] = nil
                remember(id)
                finish(&r, id, reason: .timeout, now: now, into: &actions)
                continue
            }
            if !r.opened && now - first >= c.metadataGrace { open(&r, id, now: now, into: &actions) }
            if !r.hasMetadata && !r.lookupAsked && now - first >= c.metadataTTL {
                r.lookupAsked = true
                counters.lookups += 1
                actions.append(.lookup(interaction: id))
            }
            if r.opened && !r.paused, let end = r.streamEnd, now - end >= c.pauseAfter {
                r.paused = true
                counters.pauses += 1
                r.lastProgress = now
                actions.append(.progress(interaction: id, paused: true))
            }
            records[id] = r
        }
        return actions
    }

    /// The org stops: every session ends `disconnected` (opened first if it was not, with its held audio).
    public mutating func stop(now: Instant, wall: EpochMillis) -> [Action] {
        var actions: [Action] = []
        for id in records.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
            guard var r = records.removeValue(forKey: id), r.isSession else { continue }
            remember(id)
            finish(&r, id, reason: .disconnected, now: now, into: &actions)
        }
        records = [:]
        return actions
    }

    // MARK: Internals

    private mutating func open(_ r: inout Record, _ id: UUID, now: Instant, into actions: inout [Action]) {
        guard !r.opened else { return }
        r.opened = true
        r.openedAt = r.metadataStart ?? r.firstWall ?? 0
        r.sentChannels = r.channels ?? [.customer, .agent]
        actions.append(.open(opening(r, id, repeated: false)))
        for h in r.held { actions.append(Self.action(h, id)) }
        r.held = []
        r.heldBytes = 0
        r.lastProgress = now
    }

    private mutating func finish(_ r: inout Record, _ id: UUID, reason: EndReason, now: Instant,
                                 into actions: inout [Action]) {
        open(&r, id, now: now, into: &actions)
        actions.append(.end(interaction: id, reason: reason))
    }

    private func opening(_ r: Record, _ id: UUID, repeated: Bool) -> Opening {
        Opening(interaction: id, openedAt: r.openedAt, channels: r.sentChannels, hints: r.hints, repeated: repeated)
    }

    private static func action(_ h: Held, _ id: UUID) -> Action {
        switch h {
        case .media(let m): .analyse(interaction: id, m)
        case .gap(let d): .gap(interaction: id, d)
        }
    }

    /// The metadata's channel names, when they are exactly customer and agent in some order.
    static func channels(_ names: [String]) -> [SpeechChannel]? {
        let channels = names.compactMap { SpeechChannel(rawValue: $0.lowercased()) }
        guard channels.count == 2, Set(channels).count == 2, names.count == 2 else { return nil }
        return channels
    }

    private mutating func evictIfFull(now: Instant, wall: EpochMillis, into actions: inout [Action]) {
        guard records.count >= configuration.maxInteractions,
              let (id, _) = records.min(by: { $0.value.lastActivity < $1.value.lastActivity }),
              var r = records.removeValue(forKey: id) else { return }
        counters.evicted += 1
        guard r.isSession else { return }
        remember(id)
        finish(&r, id, reason: .timeout, now: now, into: &actions)
    }

    private mutating func remember(_ id: UUID) {
        guard ended.insert(id).inserted else { return }
        endedOrder.append(id)
        if endedOrder.count - endedHead > configuration.endedMemory {
            ended.remove(endedOrder[endedHead])
            endedHead += 1
            if endedHead > 1024 && endedHead * 2 > endedOrder.count {
                endedOrder.removeFirst(endedHead)
                endedHead = 0
            }
        }
    }
}
