import Foundation

/// Joins the seed Audio Connector's fragments (`SeedAudioFrame`) back into Opus packets, per
/// interaction, and hands them on in sequence order with every gap reported, so the decoder can
/// conceal it (docs/audio.md, "Reassembly"). A pure state machine: the caller passes the time
/// (`ContinuousClock.Instant`) and acts on the returned actions; it calls `tick` at `nextDeadline`.
///
/// - Fragments of a packet may arrive in any order; a packet is complete when it has fragments
///   0…n and n is flagged last. Duplicates are dropped.
/// - Packets are emitted strictly in order: `.packet` for each complete one, `.lost` for each that
///   will never complete, `.skipped` for a missing run over `maxLostRun`.
/// - A packet is given up when it is still incomplete `fragmentTimeout` after its first fragment, or
///   when the highest sequence seen runs `reorderWindow` packets ahead of it; packets missing before a
///   packet that has waited `fragmentTimeout` are reported lost.
/// - Buffered bytes are capped per interaction and per connection; over a cap the oldest pending
///   packets are given up (complete ones emitted, incomplete ones counted and reported lost).
/// - Every drop is counted in `counters`.
public struct OpusReassembler: Sendable {
    public let configuration: Configuration
    public private(set) var counters = Counters()
    /// Bytes held across all interactions (payload plus `fragmentOverhead` per fragment); never over
    /// `maxBytesPerConnection` after a call returns.
    public private(set) var bufferedBytes = 0

    private var streams: [UUID: Stream] = [:]
    private var ended: Set<UUID> = []
    private var endedOrder: [UUID] = []

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Interactions with packets being tracked.
    public var interactionCount: Int { streams.count }

    /// Bytes held for one interaction; never over `maxBytesPerInteraction` after a call returns.
    public func bufferedBytes(for interaction: UUID) -> Int { streams[interaction]?.bytes ?? 0 }

    /// The next sequence the interaction will emit (0 before any).
    public func nextSequence(for interaction: UUID) -> UInt64 { streams[interaction]?.next ?? 0 }

    /// When `tick` next has something to do (a packet's timeout, an interaction's TTL), if ever.
    public var nextDeadline: Instant? {
        var earliest: Instant?
        for stream in streams.values {
            var candidate = stream.lastActivity + configuration.interactionTTL
            for pending in stream.pending.values {
                candidate = min(candidate, pending.firstArrival + configuration.fragmentTimeout)
            }
            earliest = earliest.map { min($0, candidate) } ?? candidate
        }
        return earliest
    }

    /// Takes one fragment.
    public mutating func receive(_ frame: SeedAudioFrame, now: Instant) -> [Action] {
        var actions: [Action] = []
        receive(frame, now: now, into: &actions)
        return actions
    }

    /// Takes one fragment, appending the actions to `actions` (a caller's buffer reused from one message
    /// to the next allocates nothing for them).
    public mutating func receive(_ frame: SeedAudioFrame, now: Instant, into actions: inout [Action]) {
        let id = frame.interaction
        // The common case, taken straight through and in place: a packet in one fragment, the next in
        // sequence of a known interaction with nothing pending. It gives what `add` then `advance` would
        // (nothing pending means every sequence seen is below `next`, so no cap, window or timeout applies),
        // without buffering the packet or moving the stream out of the dictionary and back. (An interaction
        // with a stream has not ended: `interactionEnded` removes the stream.)
        if let index = streams.index(forKey: id),
           streams.values[index].takeWholeNextPacket(frame, now: now, configuration: configuration) {
            counters.fragments += 1
            counters.packets += 1
            actions.append(.packet(interaction: id, sequence: frame.sequence, bytes: Array(frame.payload)))
            return
        }
        var stream: Stream
        if let existing = streams.removeValue(forKey: id) {
            stream = existing
        } else {
            if ended.contains(id) {
                counters.fragmentsAfterEnd += 1
                return
            }
            if streams.count >= configuration.maxInteractions { evictLeastRecent(into: &actions) }
            stream = Stream(lastActivity: now)
        }
        stream.lastActivity = now
        add(frame, to: &stream, now: now)
        advance(&stream, id: id, now: now, into: &actions)
        while stream.bytes > configuration.maxBytesPerInteraction,
              giveUpOldest(&stream, id: id, reason: .interactionCap, now: now, into: &actions) {}
        streams[id] = stream
        enforceConnectionCap(now: now, into: &actions)
    }

    /// The interaction ended: emits what it still holds (complete packets, gaps reported lost) and
    /// forgets it; its late fragments are dropped and counted.
    public mutating func interactionEnded(_ interaction: UUID, now: Instant) -> [Action] {
        var actions: [Action] = []
        if var stream = streams.removeValue(forKey: interaction) {
            flush(&stream, id: interaction, now: now, into: &actions)
        }
        counters.interactionsEnded += 1
        if ended.insert(interaction).inserted {
            endedOrder.append(interaction)
            if endedOrder.count > configuration.endedMemory { ended.remove(endedOrder.removeFirst()) }
        }
        return actions
    }

    /// Applies timeouts and TTLs due at `now`.
    public mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        for id in streams.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
            guard var stream = streams.removeValue(forKey: id) else { continue }
            if stream.lastActivity + configuration.interactionTTL <= now {
                flush(&stream, id: id, now: now, into: &actions)
                counters.interactionsExpired += 1
                actions.append(.purged(interaction: id))
            } else {
                advance(&stream, id: id, now: now, into: &actions)
                streams[id] = stream
            }
        }
        return actions
    }

    // MARK: - Internals

    private mutating func add(_ frame: SeedAudioFrame, to stream: inout Stream, now: Instant) {
        let sequence = UInt64(frame.sequence)
        if sequence < stream.next {
            if stream.wasEmitted(sequence) { counters.duplicateFragments += 1 } else { counters.lateFragments += 1 }
            return
        }
        let index = Int(frame.fragmentIndex)
        guard index < configuration.maxFragmentsPerPacket else {
            counters.fragmentIndexTooLarge += 1
            return
        }
        // Taken out while it changes, so its fragment list is not copied on write (the dictionary would share it).
        var pending = stream.pending.removeValue(forKey: sequence) ?? Pending(firstArrival: now)
        defer { stream.pending[sequence] = pending }
        stream.highest = max(stream.highest ?? sequence, sequence)
        if pending.discarded {
            counters.lateFragments += 1
            return
        }
        if index < pending.fragments.count, pending.fragments[index] != nil {
            counters.duplicateFragments += 1
            return
        }
        let inconsistent = frame.isLast
            ? (pending.lastIndex.map { $0 != index } ?? false) || pending.fragments.count > index + 1
            : pending.lastIndex.map { index > $0 } ?? false
        if inconsistent {
            counters.inconsistentPackets += 1
            discard(&pending, in: &stream)
            return
        }
        // The cost: the payload, the per-fragment overhead and any new fragment slots.
        var cost = frame.payload.count + configuration.fragmentOverhead
        if pending.fragments.count <= index {
            let added = index + 1 - pending.fragments.count
            pending.fragments.append(contentsOf: repeatElement(nil, count: added))
            cost += added * MemoryLayout<[UInt8]?>.stride
        }
        pending.fragments[index] = Array(frame.payload)
        pending.received += 1
        if frame.isLast { pending.lastIndex = index }
        pending.payloadBytes += frame.payload.count
        pending.accountedBytes += cost
        stream.bytes += cost
        bufferedBytes += cost
        counters.fragments += 1
        if pending.payloadBytes > configuration.maxPacketBytes {
            counters.oversizePackets += 1
            discard(&pending, in: &stream)
        }
    }

    /// Frees a pending packet's bytes and marks it given up; it is reported lost in its turn.
    private mutating func discard(_ pending: inout Pending, in stream: inout Stream) {
        stream.bytes -= pending.accountedBytes
        bufferedBytes -= pending.accountedBytes
        pending = Pending(firstArrival: pending.firstArrival)
        pending.discarded = true
    }

    /// Emits what is ready in order, then gives up what the window and the timeout say must go.
    private mutating func advance(_ stream: inout Stream, id: UUID, now: Instant, into actions: inout [Action]) {
        while true {
            releaseReady(&stream, id: id, into: &actions)
            if let highest = stream.highest, highest >= stream.next + UInt64(configuration.reorderWindow) {
                resolve(&stream, id: id, before: highest - UInt64(configuration.reorderWindow) + 1, reason: .window,
                        now: now, into: &actions)
                continue
            }
            var expired: UInt64?
            for (sequence, pending) in stream.pending where pending.firstArrival + configuration.fragmentTimeout <= now {
                expired = max(expired ?? sequence, sequence)
            }
            if let expired {
                resolve(&stream, id: id, before: expired + 1, reason: .timeout, now: now, into: &actions)
                continue
            }
            return
        }
    }

    /// Emits complete (and reports given-up) packets from `next` on while they are in order.
    private mutating func releaseReady(_ stream: inout Stream, id: UUID, into actions: inout [Action]) {
        while let index = stream.pending.index(forKey: stream.next),
              stream.pending.values[index].isComplete || stream.pending.values[index].discarded {
            let pending = stream.pending.remove(at: index).value
            let sequence = UInt32(truncatingIfNeeded: stream.next)
            if pending.discarded {
                actions.append(.lost(interaction: id, sequence: sequence))
                counters.lostPackets += 1
            } else {
                stream.bytes -= pending.accountedBytes
                bufferedBytes -= pending.accountedBytes
                actions.append(.packet(interaction: id, sequence: sequence, bytes: pending.joined()))
                counters.packets += 1
            }
            stream.recordEmitted(!pending.discarded)
        }
    }

    /// Settles every sequence below `limit`: complete packets emitted, incomplete ones given up for
    /// `reason`, missing ones reported lost (or skipped, for a long run).
    private mutating func resolve(_ stream: inout Stream, id: UUID, before limit: UInt64, reason: Reason,
                                  now: Instant, into actions: inout [Action]) {
        while stream.next < limit {
            if var pending = stream.pending[stream.next] {
                if !pending.isComplete && !pending.discarded {
                    count(reason)
                    discard(&pending, in: &stream)
                    stream.pending[stream.next] = pending
                }
                releaseReady(&stream, id: id, into: &actions)
                continue
            }
            let nextPending = stream.pending.keys.filter { $0 > stream.next }.min() ?? limit
            let runEnd = min(limit, nextPending)
            let run = runEnd - stream.next
            let from = UInt32(truncatingIfNeeded: stream.next)
            if run > UInt64(configuration.maxLostRun) {
                actions.append(.skipped(interaction: id, from: from, count: UInt32(truncatingIfNeeded: run)))
                counters.skippedPackets += Int(run)
            } else {
                for offset in 0..<UInt32(run) { actions.append(.lost(interaction: id, sequence: from &+ offset)) }
                counters.lostPackets += Int(run)
            }
            stream.recordEmitted(false, count: run)
        }
    }

    private mutating func count(_ reason: Reason) {
        switch reason {
        case .timeout: counters.timedOutPackets += 1
        case .window: counters.windowDiscardedPackets += 1
        case .interactionCap: counters.interactionCapDiscards += 1
        case .connectionCap: counters.connectionCapDiscards += 1
        case .end: counters.incompleteAtEnd += 1
        }
    }

    /// Gives up the interaction's oldest pending packet (and what is missing before it).
    @discardableResult
    private mutating func giveUpOldest(_ stream: inout Stream, id: UUID, reason: Reason, now: Instant,
                                       into actions: inout [Action]) -> Bool {
        guard let oldest = stream.pending.keys.min() else { return false }
        resolve(&stream, id: id, before: oldest + 1, reason: reason, now: now, into: &actions)
        releaseReady(&stream, id: id, into: &actions)
        return true
    }

    private mutating func enforceConnectionCap(now: Instant, into actions: inout [Action]) {
        while bufferedBytes > configuration.maxBytesPerConnection {
            // The interaction whose oldest pending packet arrived first.
            var victim: (id: UUID, arrival: Instant)?
            for (id, stream) in streams where stream.bytes > 0 {
                guard let arrival = stream.pending.values.map(\.firstArrival).min() else { continue }
                if victim.map({ arrival < $0.arrival }) ?? true { victim = (id, arrival) }
            }
            guard let victim, var stream = streams.removeValue(forKey: victim.id) else { return }
            let progressed = giveUpOldest(&stream, id: victim.id, reason: .connectionCap, now: now, into: &actions)
            streams[victim.id] = stream
            if !progressed { return }
        }
    }

    /// Emits everything the interaction holds, in order; incomplete packets are given up.
    private mutating func flush(_ stream: inout Stream, id: UUID, now: Instant, into actions: inout [Action]) {
        if let highest = stream.highest, highest >= stream.next {
            resolve(&stream, id: id, before: highest + 1, reason: .end, now: now, into: &actions)
        }
        bufferedBytes -= stream.bytes
        stream.bytes = 0
    }

    private mutating func evictLeastRecent(into actions: inout [Action]) {
        guard let (id, _) = streams.min(by: { $0.value.lastActivity < $1.value.lastActivity }),
              var stream = streams.removeValue(forKey: id) else { return }
        flush(&stream, id: id, now: stream.lastActivity, into: &actions)
        counters.interactionsEvicted += 1
        actions.append(.purged(interaction: id))
    }
}
