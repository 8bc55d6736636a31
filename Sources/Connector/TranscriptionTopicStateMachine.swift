import SwitchboardCore

/// The dynamic `v2.conversations.{id}.transcription` topics of one org as a pure state machine
/// (docs/speech-text.md, "From Genesys transcription"; docs/connector.md).
///
/// - **Which conversations.** Fed the org's voice `agentInteraction`s (reduced from the
///   `v2.users.{id}.conversations` snapshots): a conversation is live while any agent leg on it has not ended,
///   and ended when every leg it knows has. Each leg keeps only its newest snapshot (by `observedAt`), so a
///   late or repeated one changes nothing; a conversation that ended is remembered (bounded) so an older
///   snapshot arriving after its topic was removed does not subscribe it again — a newer one (a transfer
///   answered after the linger) does.
/// - **When to unsubscribe.** An ended conversation keeps its topic for `linger`, so the final utterances and
///   `SESSION_ENDED` arrive; `SESSION_ENDED` after the end removes it at the next flush. A conversation with no
///   snapshot and no transcript for `idleAfter` is dropped (its end was missed, e.g. during a reconnect), and
///   subscribed again by its next snapshot.
/// - **Where.** Topics fill the free places of the static channels first (each holds at most
///   `topicsPerChannel` topics, static ones included), then extra channels, created one at a time and only
///   when a conversation is waiting and no channel has room, up to `maxChannels` for the client, static
///   channels included (creating a 21st would evict one; never in a loop: a failed creation backs off).
/// - **Batching.** Changes are flushed at most every `batchInterval`: adds as one `POST` per channel, removals
///   as a `PUT` of the channel's remaining topics (static and dynamic), so the other topics never have a gap.
///   One request per channel at a time; a failed one is retried after a backoff (1 s doubling to 60 s).
/// - **Reconnects.** The channel preparation `PUT`s the static topics (wiping the dynamic ones), so
///   ``disconnected()`` forgets every placement and ``channelsReady(static:extra:now:)`` places everything
///   again; a rollover's replacement gets a full `PUT` once open (``channelReplaced(old:new:)``).
/// - **Budget.** Conversations that find no room wait in arrival order and are served as room frees. Entering
///   that state returns ``Action/budgetExhausted(queued:)`` once (log it), leaving it ``Action/budgetRecovered``.
///
/// Times are monotonic instants (transport time), passed in.
public struct TranscriptionTopicStateMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    struct Leg: Sendable {
        var observedAt: EpochMillis
        var ended: Bool
    }

    struct Conversation: Sendable {
        var order: UInt64
        var legs: [String: Leg] = [:]
        var channel: String?
        var endedAt: EpochMillis?
        var removeAt: Instant?
        var lastActivity: Instant
        var rejected = false
        var live: Bool { endedAt == nil }
    }

    struct Slot: Sendable {
        var id: String
        var staticTopics: [String]
        var extra: Bool
        var dynamic: Set<String> = []
        var pendingAdd: [String] = []
        var needsReplace = false
        var inFlight = false
        /// A rollover's replacement is being prepared with this channel's topics: nothing new goes here.
        var rolling = false
    }

    public let configuration: Configuration
    public private(set) var enabled: Bool
    private var conversations: [String: Conversation] = [:]
    private var ended: [String: EpochMillis] = [:]
    private var endedOrder: [String] = []
    private var endedHead = 0
    private var slots: [Slot] = []
    private var connected = false
    private var creating = false
    private var creationRetryAt: Instant?
    private var creationFailures = 0
    private var lastFlush: Instant?
    private var retryAt: Instant?
    private var failures = 0
    private var exhausted = false
    private var nextOrder: UInt64 = 0

    public init(configuration: Configuration = Configuration(), enabled: Bool) {
        self.configuration = configuration
        self.enabled = enabled
    }

    public static func topic(_ conversationID: String) -> String { "v2.conversations.\(conversationID).transcription" }

    // MARK: - Inputs

    /// Turns transcription on or off (a reload of `speechText.transcription`). Off: every topic is removed at
    /// the next flush and nothing is tracked.
    public mutating func setEnabled(_ on: Bool, now: Instant) {
        guard on != enabled else { return }
        enabled = on
        if !on { for id in Array(conversations.keys) { remove(id) } }
    }

    /// One agent leg of a voice conversation, from a snapshot. True when the conversation became live or ended
    /// (the owner wakes its flusher).
    @discardableResult
    public mutating func interaction(conversation id: String, leg: String, observedAt: EpochMillis, ended legEnded: Bool,
                                     now: Instant) -> Bool {
        guard enabled, !id.isEmpty else { return false }
        var fresh = false
        if conversations[id] == nil {
            // Older than (or as old as) the end we saw: a late snapshot of a finished conversation.
            if let end = ended[id], observedAt <= end { return false }
            guard !legEnded else { return false }
            conversations[id] = Conversation(order: nextOrder, lastActivity: now)
            nextOrder += 1
            fresh = true
        }
        var c = conversations[id]!
        if let old = c.legs[leg], old.observedAt > observedAt { return false }
        let wasLive = c.live
        c.legs[leg] = Leg(observedAt: observedAt, ended: legEnded)
        c.lastActivity = now
        let allEnded = c.legs.values.allSatisfy(\.ended)
        if allEnded {
            if c.endedAt == nil {
                c.endedAt = c.legs.values.map(\.observedAt).max() ?? observedAt
                c.removeAt = now + configuration.linger
            }
        } else {
            c.endedAt = nil
            c.removeAt = nil
        }
        conversations[id] = c
        // Ended before it was ever placed: nothing to unsubscribe.
        if allEnded && c.channel == nil { remove(id) }
        return fresh || wasLive != c.live
    }

    /// A transcription message of the conversation arrived (`sessionEnded`: its `SESSION_ENDED`).
    public mutating func transcript(conversation id: String, sessionEnded: Bool, now: Instant) {
        guard var c = conversations[id] else { return }
        c.lastActivity = now
        if sessionEnded && !c.live { c.removeAt = now }
        conversations[id] = c
    }

    /// The session's sockets are down: every placement is gone (the next preparation re-subscribes).
    public mutating func disconnected() {
        connected = false
        slots = []
        creating = false
        for id in conversations.keys { conversations[id]!.channel = nil }
    }

    /// The channels of a new session are open: `static` with the static topics each holds, then `extra` channels
    /// holding none. Everything is placed again at the next poll.
    public mutating func channelsReady(static statics: [(id: String, topics: [String])], extra: [String], now: Instant) {
        disconnected()
        slots = statics.map { Slot(id: $0.id, staticTopics: $0.topics, extra: false) }
            + extra.map { Slot(id: $0, staticTopics: [], extra: true) }
        connected = true
        lastFlush = nil
        retryAt = nil
    }

    /// A channel asked for by ``Action/createChannel`` exists and its socket is open.
    public mutating func channelCreated(_ id: String, now: Instant) {
        creating = false
        creationFailures = 0
        creationRetryAt = nil
        guard connected, !slots.contains(where: { $0.id == id }) else { return }
        slots.append(Slot(id: id, staticTopics: [], extra: true))
    }

    /// Creating a channel failed: try again after a backoff.
    public mutating func channelCreationFailed(now: Instant) {
        creating = false
        creationFailures += 1
        creationRetryAt = now + Self.backoff(creationFailures)
    }

    /// A rollover is about to subscribe a replacement for `channel` with its topics (read them after this): no
    /// call is placed on it until ``channelReplaced(old:new:)`` or ``rolloverFailed(_:)``, so the replacement
    /// holds every topic the old channel delivers and the swap leaves no gap.
    public mutating func rollingOver(_ channel: String) {
        guard let i = slots.firstIndex(where: { $0.id == channel }) else { return }
        slots[i].rolling = true
    }

    /// The rollover of `channel` failed (it is tried again later): calls may be placed on it again.
    public mutating func rolloverFailed(_ channel: String) {
        guard let i = slots.firstIndex(where: { $0.id == channel }) else { return }
        slots[i].rolling = false
    }

    /// A rollover's replacement `new` (subscribed with `old`'s topics) took over from `old`: its set is `PUT`
    /// again at the next flush, so removals made meanwhile are applied.
    public mutating func channelReplaced(old: String, new: String) {
        guard let i = slots.firstIndex(where: { $0.id == old }) else { return }
        slots[i].rolling = false
        slots[i].id = new
        slots[i].needsReplace = true
        slots[i].pendingAdd = []
        slots[i].inFlight = false
        for id in slots[i].dynamic { conversations[id]?.channel = new }
    }

    /// The result of an ``Action/add(channel:topics:)`` or ``Action/replace(channel:topics:)``; `rejected`: the
    /// topics the platform answered `Rejected`.
    public mutating func completed(_ action: Action, ok: Bool, rejected: Set<String> = [], now: Instant) {
        let channel: String, topics: [String]
        switch action {
        case .add(let c, let t), .replace(let c, let t): (channel, topics) = (c, t)
        default: return
        }
        guard let i = slots.firstIndex(where: { $0.id == channel }) else { return }
        slots[i].inFlight = false
        guard ok else {
            failures += 1
            retryAt = now + Self.backoff(failures)
            if case .add = action {
                // Those still placed here go back to the queue of this channel.
                let back = topics.compactMap(Self.conversationID).filter { slots[i].dynamic.contains($0) }
                slots[i].pendingAdd = back + slots[i].pendingAdd.filter { !back.contains($0) }
            } else {
                slots[i].needsReplace = true
            }
            return
        }
        failures = 0
        retryAt = nil
        for t in rejected {
            guard let id = Self.conversationID(t), slots[i].dynamic.remove(id) != nil else { continue }
            conversations[id]?.rejected = true
            conversations[id]?.channel = nil
        }
    }

    // MARK: - Polling

    /// What to do now: removals that are due, then (at most every `batchInterval`) placements and requests.
    public mutating func poll(now: Instant) -> [Action] {
        for (id, c) in conversations {
            if let at = c.removeAt, at <= now { remove(id) } else if c.lastActivity + configuration.idleAfter <= now { remove(id) }
        }
        guard connected else { return [] }
        if let last = lastFlush, now < last + configuration.batchInterval { return [] }
        if let retryAt, now < retryAt { return [] }
        var actions: [Action] = []
        let waiting = queue()
        var left = waiting.count
        for id in waiting {
            guard let i = slots.indices.first(where: { free($0) > 0 }) else { break }
            slots[i].dynamic.insert(id)
            slots[i].pendingAdd.append(id)
            conversations[id]!.channel = slots[i].id
            left -= 1
        }
        if left > 0 && !creating && slots.count < configuration.maxChannels
            && (creationRetryAt.map { now >= $0 } ?? true) {
            creating = true
            actions.append(.createChannel)
        }
        for i in slots.indices where !slots[i].inFlight {
            if slots[i].needsReplace {
                slots[i].needsReplace = false
                slots[i].pendingAdd = []
                slots[i].inFlight = true
                actions.append(.replace(channel: slots[i].id, topics: slots[i].staticTopics + dynamicTopics(slot: i)))
            } else if !slots[i].pendingAdd.isEmpty {
                let adds = slots[i].pendingAdd.map(Self.topic)
                slots[i].pendingAdd = []
                slots[i].inFlight = true
                actions.append(.add(channel: slots[i].id, topics: adds))
            }
        }
        let nowExhausted = left > 0 && !creating && slots.count >= configuration.maxChannels
        if nowExhausted && !exhausted {
            exhausted = true
            actions.append(.budgetExhausted(queued: left))
        } else if exhausted && left == 0 {
            exhausted = false
            actions.append(.budgetRecovered)
        }
        if actions.contains(where: { if case .add = $0 { true } else if case .replace = $0 { true } else { false } }) {
            lastFlush = now
        }
        return actions
    }

    /// When ``poll(now:)`` has something to do next; nil: nothing until an input changes.
    public func nextDue(now: Instant) -> Instant? {
        var due: Instant?
        func earliest(_ t: Instant) { due = due.map { min($0, t) } ?? t }
        for c in conversations.values {
            if let at = c.removeAt { earliest(at) }
            earliest(c.lastActivity + configuration.idleAfter)
        }
        guard connected else { return due }
        var flush = slots.contains { !$0.inFlight && ($0.needsReplace || !$0.pendingAdd.isEmpty) }
        let waiting = conversations.values.contains { $0.channel == nil && $0.live && !$0.rejected }
        if waiting && (slots.indices.contains { free($0) > 0 }) { flush = true }
        if waiting && !creating && slots.count < configuration.maxChannels { flush = true }
        if waiting != exhausted && !(waiting && slots.count < configuration.maxChannels) { flush = true }
        if flush {
            var t = lastFlush.map { $0 + configuration.batchInterval } ?? now
            if let retryAt { t = max(t, retryAt) }
            if waiting && !creating, let c = creationRetryAt, !(slots.indices.contains { free($0) > 0 }) { t = max(t, c) }
            earliest(max(t, now))
        }
        return due
    }

    // MARK: - Reading

    public var status: Status {
        var s = Status()
        for slot in slots { s.topics += slot.dynamic.count }
        for c in conversations.values {
            if c.rejected { s.rejected += 1 } else if c.channel == nil && c.live { s.queued += 1 }
        }
        s.budgetExhausted = exhausted
        s.extraChannels = slots.filter(\.extra).count
        return s
    }

    /// The transcription topics placed on `channel` (for a rollover's replacement).
    public func dynamicTopics(of channel: String) -> [String] {
        slots.firstIndex { $0.id == channel }.map(dynamicTopics(slot:)) ?? []
    }

    /// How many extra channels the next session should prepare for the conversations tracked now, given
    /// `staticTopics` static topics (laid out `topicsPerChannel` per channel, at least one channel).
    public func extraChannelsWanted(staticTopics: Int) -> Int {
        let per = configuration.topicsPerChannel
        let staticChannels = max(1, (staticTopics + per - 1) / per)
        let room = staticChannels * per - staticTopics
        let wanted = conversations.values.filter { $0.live && !$0.rejected }.count
        let need = max(0, wanted - room)
        return max(0, min(configuration.maxChannels - staticChannels, (need + per - 1) / per))
    }

    /// Conversations tracked (live or lingering).
    public var tracked: Int { conversations.count }

    /// Whether the conversation is tracked (live or lingering).
    public func isTracked(_ id: String) -> Bool { conversations[id] != nil }

    // MARK: - Helpers

    private func free(_ i: Int) -> Int {
        slots[i].rolling ? 0 : configuration.topicsPerChannel - slots[i].staticTopics.count - slots[i].dynamic.count
    }

    private func queue() -> [String] {
        conversations.filter { $0.value.channel == nil && $0.value.live && !$0.value.rejected }
            .sorted { $0.value.order < $1.value.order }.map(\.key)
    }

    private func dynamicTopics(slot i: Int) -> [String] {
        slots[i].dynamic.sorted { (conversations[$0]?.order ?? 0) < (conversations[$1]?.order ?? 0) }.map(Self.topic)
    }

    private mutating func remove(_ id: String) {
        guard let c = conversations.removeValue(forKey: id) else { return }
        remember(id, end: c.endedAt ?? c.legs.values.map(\.observedAt).max() ?? 0)
        guard let ch = c.channel, let i = slots.firstIndex(where: { $0.id == ch }) else { return }
        slots[i].dynamic.remove(id)
        if let p = slots[i].pendingAdd.firstIndex(of: id) {
            slots[i].pendingAdd.remove(at: p)  // never sent: nothing to take back
        } else {
            slots[i].needsReplace = true
        }
    }

    private mutating func remember(_ id: String, end: EpochMillis) {
        if ended.updateValue(end, forKey: id) == nil { endedOrder.append(id) }
        while ended.count > configuration.rememberEnded, endedHead < endedOrder.count {
            ended[endedOrder[endedHead]] = nil
            endedHead += 1
        }
        if endedHead > 1024 && endedHead * 2 > endedOrder.count {
            endedOrder.removeFirst(endedHead)
            endedHead = 0
        }
    }

    static func conversationID(_ topic: String) -> String? {
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v2", parts[1] == "conversations", parts[3] == "transcription" else { return nil }
        return String(parts[2])
    }

    static func backoff(_ failures: Int) -> Duration {
        .seconds(min(60, 1 << min(6, max(0, failures - 1))))
    }
}
